#!/usr/bin/env node
'use strict';
// check-envoy-bootstrap: checks an Envoy v3 bootstrap (as JSON) against Envoy's own .proto files,
// as vendored by @grpc/grpc-js-xds (deps/envoy-api, xds, googleapis, protoc-gen-validate), the
// way Envoy reads it: every field must exist in its message (snake_case or its JSON name), every
// value must have the field's type (proto3 JSON mapping), an Any (`typed_config`, ...) is checked
// as the message its `@type` names, and Envoy's validation annotations that need no runtime are
// applied (required messages and oneofs, string min_len, repeated min_items, number bounds,
// defined enum values). Deprecated fields and enum values are reported too: Envoy warns about
// them or, for some, refuses them.
//
// protobufjs's fromObject() is not used: it silently drops unknown fields, which is the mistake
// this checker exists to catch.
//
// Usage: check-envoy-bootstrap.js BOOTSTRAP.json
// Exit codes: 0 valid (one line on stdout), 1 invalid (one line per problem on stderr, each with
// the JSON path), 2 usage or unreadable input.
// Non-goals: YAML (convert first), checks that need Envoy's runtime (cluster references,
// file existence, regex syntax), extension types not in the vendored protos.

const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']
  .map((d) => path.join(deps, d))
  // google/protobuf/descriptor.proto, imported by the validation annotations.
  .concat([path.dirname(require.resolve('protobufjs/package.json'))]);

const root = new protobuf.Root();
root.resolvePath = (origin, target) => {
  if (path.isAbsolute(target)) {
    return target;
  }
  for (const dir of includeDirs) {
    const candidate = path.join(dir, target);
    if (fs.existsSync(candidate)) {
      return candidate;
    }
  }
  return target;
};

const problems = [];
const anyTypesSeen = new Set();

function problem(at, message) {
  problems.push(`${at || '(root)'}: ${message}`);
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The message type a fully qualified name names, loading the .proto files of its package when needed. */
function lookupMessage(name) {
  const found = root.lookup(name);
  if (found instanceof protobuf.Type) {
    return found;
  }
  // envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy lives in
  // envoy/extensions/filters/network/tcp_proxy/v3/*.proto; nested types drop more components.
  const parts = name.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const relative = parts.slice(0, n).join('/');
    for (const dir of includeDirs) {
      const packageDir = path.join(dir, relative);
      if (!fs.existsSync(packageDir) || !fs.statSync(packageDir).isDirectory()) {
        continue;
      }
      const files = fs.readdirSync(packageDir).filter((f) => f.endsWith('.proto')).map((f) => path.join(relative, f));
      if (files.length === 0) {
        continue;
      }
      root.loadSync(files, { keepCase: true });
      const loaded = root.lookup(name);
      return loaded instanceof protobuf.Type ? loaded : null;
    }
  }
  return null;
}

function jsonName(fieldName) {
  return fieldName.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function fieldsByJsonKey(type) {
  if (!type._checkerKeys) {
    const keys = new Map();
    for (const field of type.fieldsArray) {
      keys.set(field.name, field);
      keys.set(jsonName(field.name), field);
    }
    type._checkerKeys = keys;
  }
  return type._checkerKeys;
}

function option(holder, key) {
  return holder.options ? holder.options[key] : undefined;
}

const INT32_TYPES = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32_TYPES = new Set(['uint32', 'fixed32']);
const INT64_TYPES = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function checkInteger(value, at, type) {
  let number = value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    number = Number(value);
  } else if (typeof value !== 'number') {
    problem(at, `expected an integer (${type}), got ${describe(value)}`);
    return null;
  }
  if (!Number.isInteger(number)) {
    problem(at, `expected an integer (${type}), got ${describe(value)}`);
    return null;
  }
  const unsigned = UINT32_TYPES.has(type) || type === 'uint64' || type === 'fixed64';
  if (unsigned && number < 0) {
    problem(at, `expected a non-negative integer (${type}), got ${number}`);
  } else if (INT32_TYPES.has(type) && (number < -2147483648 || number > 2147483647)) {
    problem(at, `${number} is out of range for ${type}`);
  } else if (UINT32_TYPES.has(type) && number > 4294967295) {
    problem(at, `${number} is out of range for ${type}`);
  }
  return number;
}

function checkBounds(field, number, at) {
  if (number === null) {
    return;
  }
  for (const kind of ['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'double', 'float']) {
    const prefix = `(validate.rules).${kind}.`;
    const bound = (name) => option(field, prefix + name);
    if (bound('lte') !== undefined && !(number <= bound('lte'))) problem(at, `must be <= ${bound('lte')}, got ${number}`);
    if (bound('lt') !== undefined && !(number < bound('lt'))) problem(at, `must be < ${bound('lt')}, got ${number}`);
    if (bound('gte') !== undefined && !(number >= bound('gte'))) problem(at, `must be >= ${bound('gte')}, got ${number}`);
    if (bound('gt') !== undefined && !(number > bound('gt'))) problem(at, `must be > ${bound('gt')}, got ${number}`);
  }
}

function checkScalar(field, value, at) {
  const type = field.type;
  if (INT32_TYPES.has(type) || UINT32_TYPES.has(type) || INT64_TYPES.has(type)) {
    checkBounds(field, checkInteger(value, at, type), at);
  } else if (type === 'double' || type === 'float') {
    if (typeof value === 'number' || (typeof value === 'string' && /^(NaN|-?Infinity|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(value))) {
      checkBounds(field, Number(value), at);
    } else {
      problem(at, `expected a number (${type}), got ${describe(value)}`);
    }
  } else if (type === 'bool') {
    if (typeof value !== 'boolean') problem(at, `expected true or false, got ${describe(value)}`);
  } else if (type === 'string') {
    if (typeof value !== 'string') {
      problem(at, `expected a string, got ${describe(value)}`);
    } else {
      const minLength = option(field, '(validate.rules).string.min_len') ?? option(field, '(validate.rules).string.min_bytes');
      if (minLength !== undefined && value.length < minLength) problem(at, `must be at least ${minLength} characters`);
    }
  } else if (type === 'bytes') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) problem(at, `expected base64 bytes, got ${describe(value)}`);
  } else {
    problem(at, `unsupported scalar type ${type}`);
  }
}

function checkEnum(enumType, value, at) {
  if (typeof value === 'string') {
    if (!(value in enumType.values)) {
      problem(at, `'${value}' is not a value of ${enumType.fullName.slice(1)} (${Object.keys(enumType.values).join(', ')})`);
    } else if (enumType.valuesOptions && enumType.valuesOptions[value] && enumType.valuesOptions[value].deprecated) {
      problem(at, `'${value}' is deprecated in ${enumType.fullName.slice(1)}`);
    }
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    if (!Object.values(enumType.values).includes(value)) problem(at, `${value} is not a value of ${enumType.fullName.slice(1)}`);
  } else {
    problem(at, `expected a value of ${enumType.fullName.slice(1)}, got ${describe(value)}`);
  }
}

const WRAPPERS = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

/** Well-known types whose JSON form is not an object of their fields (proto3 JSON mapping); true when handled. */
function checkWellKnown(type, value, at, field) {
  const name = type.fullName.slice(1);
  if (name in WRAPPERS) {
    checkScalar({ type: WRAPPERS[name], options: field ? field.options : undefined }, value, at);
    return true;
  }
  switch (name) {
    case 'google.protobuf.Duration':
      if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) {
        problem(at, `expected a duration such as "1s" or "0.250s", got ${describe(value)}`);
      } else if (field && option(field, '(validate.rules).duration.gt') !== undefined && parseFloat(value) <= 0) {
        problem(at, `must be longer than 0s, got ${value}`);
      }
      return true;
    case 'google.protobuf.Timestamp':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) problem(at, `expected an RFC 3339 timestamp, got ${describe(value)}`);
      return true;
    case 'google.protobuf.FieldMask':
      if (typeof value !== 'string') problem(at, `expected a field mask string, got ${describe(value)}`);
      return true;
    case 'google.protobuf.Struct':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) problem(at, `expected an object, got ${describe(value)}`);
      return true;
    case 'google.protobuf.ListValue':
      if (!Array.isArray(value)) problem(at, `expected a list, got ${describe(value)}`);
      return true;
    case 'google.protobuf.Value':
      return true;
    case 'google.protobuf.Empty':
      if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length > 0) {
        problem(at, `expected {}, got ${describe(value)}`);
      }
      return true;
    case 'google.protobuf.Any':
      checkAny(value, at);
      return true;
    default:
      return false;
  }
}

function checkAny(value, at) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problem(at, `expected an object with "@type", got ${describe(value)}`);
    return;
  }
  const url = value['@type'];
  if (typeof url !== 'string' || !url.includes('/')) {
    problem(at, `an Any needs "@type": "type.googleapis.com/<message>", got ${describe(url)}`);
    return;
  }
  const typeName = url.slice(url.lastIndexOf('/') + 1);
  let type;
  try {
    type = lookupMessage(typeName);
  } catch (e) {
    problem(at, `cannot load the protos of ${typeName}: ${e.message}`);
    return;
  }
  if (!type) {
    problem(`${at}.@type`, `unknown message type ${typeName}`);
    return;
  }
  anyTypesSeen.add(typeName);
  const rest = Object.assign({}, value);
  delete rest['@type'];
  if (type.fullName.slice(1).startsWith('google.protobuf.') && checkWellKnownAny(type, rest, at)) {
    return;
  }
  checkMessage(type, rest, at);
}

/** An Any holding a well-known type with a special JSON form carries it in "value". */
function checkWellKnownAny(type, rest, at) {
  const plainObject = ['google.protobuf.Struct', 'google.protobuf.Empty', 'google.protobuf.Any'];
  if (plainObject.includes(type.fullName.slice(1)) && !('value' in rest)) {
    return false;
  }
  const extra = Object.keys(rest).filter((k) => k !== 'value');
  for (const key of extra) {
    problem(`${at}.${key}`, `unknown field: an Any of ${type.fullName.slice(1)} holds only "@type" and "value"`);
  }
  return checkWellKnown(type, rest.value, `${at}.value`, null);
}

function checkFieldValue(field, value, at) {
  field.resolve();
  if (field.resolvedType instanceof protobuf.Enum) {
    checkEnum(field.resolvedType, value, at);
  } else if (field.resolvedType instanceof protobuf.Type) {
    if (!checkWellKnown(field.resolvedType, value, at, field)) {
      checkMessage(field.resolvedType, value, at);
    }
  } else {
    checkScalar(field, value, at);
  }
}

function checkMessage(type, value, at) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problem(at, `expected an object (${type.fullName.slice(1)}), got ${describe(value)}`);
    return;
  }
  const keys = fieldsByJsonKey(type);
  const present = new Set();
  const oneofMembers = new Map();
  for (const [key, fieldValue] of Object.entries(value)) {
    const here = at ? `${at}.${key}` : key;
    const field = keys.get(key);
    if (!field) {
      problem(here, `unknown field in ${type.fullName.slice(1)}`);
      continue;
    }
    if (present.has(field.name)) {
      problem(here, `${field.name} is given twice (as ${field.name} and ${jsonName(field.name)})`);
      continue;
    }
    present.add(field.name);
    if (option(field, 'deprecated')) {
      problem(here, `deprecated field of ${type.fullName.slice(1)}`);
    }
    if (field.partOf && !field.partOf.name.startsWith('_')) {
      const others = oneofMembers.get(field.partOf.name) || [];
      others.push(field.name);
      oneofMembers.set(field.partOf.name, others);
    }
    if (fieldValue === null) {
      continue; // null is the field's default in proto3 JSON
    }
    if (field.map) {
      if (typeof fieldValue !== 'object' || Array.isArray(fieldValue)) {
        problem(here, `expected a map (object), got ${describe(fieldValue)}`);
        continue;
      }
      for (const [mapKey, entry] of Object.entries(fieldValue)) {
        if (field.keyType !== 'string' && field.keyType !== 'bool' && !/^-?\d+$/.test(mapKey)) {
          problem(`${here}.${mapKey}`, `map key must be a ${field.keyType}`);
        }
        checkFieldValue(field, entry, `${here}.${mapKey}`);
      }
    } else if (field.repeated) {
      if (!Array.isArray(fieldValue)) {
        problem(here, `expected a list, got ${describe(fieldValue)}`);
        continue;
      }
      const minItems = option(field, '(validate.rules).repeated.min_items');
      if (minItems !== undefined && fieldValue.length < minItems) {
        problem(here, `needs at least ${minItems} item(s)`);
      }
      fieldValue.forEach((item, i) => checkFieldValue(field, item, `${here}[${i}]`));
    } else {
      checkFieldValue(field, fieldValue, here);
    }
  }
  for (const [oneof, members] of oneofMembers) {
    if (members.length > 1) {
      problem(at, `only one of ${oneof} may be set, got ${members.join(' and ')}`);
    }
  }
  for (const oneof of type.oneofsArray) {
    if (option(oneof, '(validate.required)') && !oneofMembers.has(oneof.name)) {
      problem(at, `one of ${oneof.oneof.join(', ')} is required in ${type.fullName.slice(1)}`);
    }
  }
  for (const field of type.fieldsArray) {
    if (present.has(field.name) || (field.partOf && !field.partOf.name.startsWith('_'))) {
      continue; // given, or a oneof member (checked above)
    }
    const here = at ? `${at}.${field.name}` : field.name;
    if (option(field, '(validate.rules).message.required')) {
      problem(here, `required in ${type.fullName.slice(1)}`);
    } else if ((option(field, '(validate.rules).string.min_len') ?? 0) > 0) {
      problem(here, `required in ${type.fullName.slice(1)} (a non-empty string)`);
    } else if ((option(field, '(validate.rules).repeated.min_items') ?? 0) > 0) {
      problem(here, `required in ${type.fullName.slice(1)} (at least ${option(field, '(validate.rules).repeated.min_items')} item(s))`);
    }
  }
}

function main(argv) {
  if (argv.length !== 1) {
    process.stderr.write('usage: check-envoy-bootstrap.js BOOTSTRAP.json\n');
    return 2;
  }
  let bootstrap;
  try {
    bootstrap = JSON.parse(fs.readFileSync(argv[0], 'utf8'));
  } catch (e) {
    process.stderr.write(`${argv[0]}: cannot read JSON: ${e.message}\n`);
    return 2;
  }
  root.loadSync('envoy/config/bootstrap/v3/bootstrap.proto', { keepCase: true });
  checkMessage(lookupMessage(BOOTSTRAP), bootstrap, '');
  if (problems.length > 0) {
    for (const line of problems) {
      process.stderr.write(`${argv[0]}: ${line}\n`);
    }
    process.stderr.write(`${argv[0]}: not a valid ${BOOTSTRAP} (${problems.length} problem(s))\n`);
    return 1;
  }
  process.stdout.write(`${argv[0]}: OK, a valid ${BOOTSTRAP}; typed values checked: ${[...anyTypesSeen].sort().join(', ')}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
