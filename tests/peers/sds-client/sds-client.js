#!/usr/bin/env node
'use strict';
// sds-client: a test peer that speaks Envoy SDS v3 (envoy.service.secret.v3.SecretDiscoveryService)
// over a Unix socket, built from Envoy's own .proto files as vendored by @grpc/grpc-js-xds, so the
// server is checked against the real wire schema rather than a copy the server also compiled.
//
// Usage: sds-client.js COMMAND --socket PATH [options]
//   stream         StreamSecrets (state of the world): subscribe to --names, ACK each response
//                  (unless --no-ack), write every served PEM under --out, and succeed once every
//                  name has arrived and the tls_certificate has rotated --rotations times.
//   nack-then-ack  StreamSecrets: NACK the first response (error_detail set, version_info left at the
//                  last accepted version), then expect the stream to stay open and a *new* version to
//                  arrive, which is ACKed. The NACKed version being sent again is a failure.
//   fetch          FetchSecrets (unary) for --names.
//   delta          DeltaSecrets (incremental): subscribe to --names, ACK by nonce, same success rule as stream.
//   denied         Each of StreamSecrets, FetchSecrets and DeltaSecrets must end in PERMISSION_DENIED.
// Options: --names a,b (default "default,ROOTCA"), --out DIR, --rotations N (default 0),
//          --timeout SECONDS (default 30), --no-ack, --node-id ID.
// Output: one JSON object per line on stdout, one per event, each with elapsed_ms. Exit codes: 0 the expected outcome,
// 1 an unexpected one, 2 usage, 3 timed out.
// Non-goals: TLS to the SDS server (SDS on a Unix socket relies on SO_PEERCRED), ADS, resource removal.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const SECRET_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
const SERVICE = 'envoy.service.secret.v3.SecretDiscoveryService';
const SECRET_MESSAGE = 'envoy.extensions.transport_sockets.tls.v3.Secret';
// google.rpc.Code INVALID_ARGUMENT: what Envoy reports when it rejects a resource.
const RPC_INVALID_ARGUMENT = 3;

const EXIT_OK = 0;
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;
const EXIT_TIMEOUT = 3;

const started = Date.now();

/** Writes one event line; elapsed_ms (since the client started) lets a test bound when a push arrived. */
function emit(event) {
  process.stdout.write(JSON.stringify(Object.assign(event, { elapsed_ms: Date.now() - started })) + '\n');
}

function finish(code, event) {
  if (event) {
    emit(event);
  }
  // stdout to a pipe is synchronous on Linux, so nothing written above is lost by exiting now.
  process.exit(code);
}

function loadProtos() {
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const definition = protoLoader.loadSync(
    ['envoy/service/secret/v3/sds.proto', 'envoy/extensions/transport_sockets/tls/v3/secret.proto'],
    {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: ['envoy-api', 'googleapis', 'xds', 'protoc-gen-validate'].map((d) => path.join(deps, d)),
    });
  return { definition, Service: grpc.loadPackageDefinition(definition).envoy.service.secret.v3.SecretDiscoveryService };
}

function parseCommandLine(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      socket: { type: 'string' },
      names: { type: 'string', default: 'default,ROOTCA' },
      out: { type: 'string' },
      rotations: { type: 'string', default: '0' },
      timeout: { type: 'string', default: '30' },
      ack: { type: 'boolean', default: true },
      'no-ack': { type: 'boolean', default: false },
      'node-id': { type: 'string', default: 'sds-client' },
    },
  });
  const commands = ['stream', 'nack-then-ack', 'fetch', 'delta', 'denied'];
  if (positionals.length !== 1 || !commands.includes(positionals[0]) || !values.socket) {
    throw new Error(`usage: sds-client.js (${commands.join('|')}) --socket PATH [--names a,b] [--out DIR] [--rotations N] [--timeout S] [--no-ack]`);
  }
  return {
    command: positionals[0],
    socket: path.resolve(values.socket),
    names: values.names.split(',').map((n) => n.trim()).filter((n) => n.length > 0),
    out: values.out ? path.resolve(values.out) : null,
    rotations: Number.parseInt(values.rotations, 10),
    timeoutMs: Number.parseFloat(values.timeout) * 1000,
    ack: values.ack && !values['no-ack'],
    nodeId: values['node-id'],
  };
}

// ---- Decoding served secrets -------------------------------------------------------------------

function dataSourceText(source) {
  if (!source) {
    return null;
  }
  if (source.inline_bytes && source.inline_bytes.length > 0) {
    return Buffer.from(source.inline_bytes).toString('utf8');
  }
  if (source.inline_string) {
    return source.inline_string;
  }
  if (source.filename) {
    return { filename: source.filename };
  }
  return null;
}

function pemBlocks(text, label) {
  const pattern = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g');
  return text.match(pattern) || [];
}

/** Saves one served PEM under --out as NAME.N.KIND.pem (N counts how often NAME was served) and returns the path. */
function save(context, name, kind, text) {
  if (!context.out) {
    return null;
  }
  fs.mkdirSync(context.out, { recursive: true, mode: 0o700 });
  const file = path.join(context.out, `${name}.${context.served[name] || 0}.${kind}.pem`);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Turns a google.protobuf.Any holding a Secret into a summary event (and files under --out). */
function describeSecret(context, any) {
  if (any.type_url !== SECRET_TYPE_URL) {
    throw new Error(`resource has type_url '${any.type_url}', expected '${SECRET_TYPE_URL}'`);
  }
  const secret = context.decodeSecret(any.value);
  const summary = { name: secret.name };
  if (secret.type === 'tls_certificate') {
    const chainText = dataSourceText(secret.tls_certificate.certificate_chain);
    const keyText = dataSourceText(secret.tls_certificate.private_key);
    if (typeof chainText !== 'string' || typeof keyText !== 'string') {
      throw new Error(`secret '${secret.name}' does not carry its certificate chain and key inline`);
    }
    const certs = pemBlocks(chainText, 'CERTIFICATE');
    const leaf = new crypto.X509Certificate(certs[0]);
    Object.assign(summary, {
      type: 'tls_certificate',
      serial: leaf.serialNumber,
      subject: leaf.subject,
      uri_sans: (leaf.subjectAltName || '').split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4)),
      not_before: new Date(leaf.validFrom).toISOString(),
      not_after: new Date(leaf.validTo).toISOString(),
      chain_length: certs.length,
      key_is_pkcs8: /-----BEGIN PRIVATE KEY-----/.test(keyText),
      key_matches: leaf.checkPrivateKey(crypto.createPrivateKey(keyText)),
      chain_file: save(context, secret.name, 'chain', chainText),
      key_file: save(context, secret.name, 'key', keyText),
    });
  } else if (secret.type === 'validation_context') {
    const rootsText = dataSourceText(secret.validation_context.trusted_ca);
    if (typeof rootsText !== 'string') {
      throw new Error(`secret '${secret.name}' does not carry its trusted CA inline`);
    }
    Object.assign(summary, {
      type: 'validation_context',
      roots: pemBlocks(rootsText, 'CERTIFICATE').length,
      roots_file: save(context, secret.name, 'roots', rootsText),
    });
  } else {
    summary.type = secret.type || 'unset';
  }
  context.served[secret.name] = (context.served[secret.name] || 0) + 1;
  return summary;
}

/** Records a served tls_certificate; returns true when its serial differs from the one served before it. */
function isRotation(context, summary) {
  if (summary.type !== 'tls_certificate') {
    return false;
  }
  const previous = context.serials[summary.name];
  context.serials[summary.name] = summary.serial;
  return previous !== undefined && previous !== summary.serial;
}

function allNamesServed(context) {
  return context.names.every((n) => (context.served[n] || 0) > 0);
}

// ---- RPCs --------------------------------------------------------------------------------------

function node(context) {
  return { id: context.nodeId, cluster: 'tlsgw-tests', user_agent_name: 'tlsgw-sds-client' };
}

function statusEvent(rpc, error) {
  return { event: 'status', rpc, code: error.code, code_name: grpc.status[error.code], details: error.details };
}

/** The stream ended while the command still waited for something: a failure unless a caller expects it. */
function onStreamEnd(call, rpc) {
  call.on('error', (error) => {
    if (error.code === grpc.status.CANCELLED) {
      return;
    }
    finish(EXIT_UNEXPECTED, statusEvent(rpc, error));
  });
  call.on('end', () => finish(EXIT_UNEXPECTED, { event: 'stream_closed', rpc }));
}

function stream(context, client) {
  const call = client.StreamSecrets();
  const rpc = 'stream';
  const nackFirst = context.command === 'nack-then-ack';
  let acceptedVersion = '';
  let nackedVersion = null;
  let rotations = 0;
  onStreamEnd(call, rpc);
  call.on('data', (response) => {
    const resources = response.resources.map((r) => describeSecret(context, r));
    emit({ event: 'response', rpc, version_info: response.version_info, nonce: response.nonce, resources });
    if (nackedVersion !== null && response.version_info === nackedVersion) {
      finish(EXIT_UNEXPECTED, { event: 'nacked_version_resent', rpc, version_info: nackedVersion });
    }
    const request = { node: node(context), resource_names: context.names, type_url: SECRET_TYPE_URL, response_nonce: response.nonce };
    if (nackFirst && nackedVersion === null) {
      nackedVersion = response.version_info;
      // A NACK keeps version_info at the last accepted version (xDS protocol, "ACK and NACK semantics").
      request.version_info = acceptedVersion;
      request.error_detail = { code: RPC_INVALID_ARGUMENT, message: 'sds-client: deliberate NACK for the test', details: [] };
      call.write(request);
      emit({ event: 'nack', rpc, version_info: acceptedVersion, rejected_version: nackedVersion, response_nonce: response.nonce });
      return;
    }
    for (const summary of resources) {
      rotations += isRotation(context, summary) ? 1 : 0;
    }
    if (context.ack) {
      acceptedVersion = response.version_info;
      request.version_info = acceptedVersion;
      call.write(request);
      emit({ event: 'ack', rpc, version_info: acceptedVersion, response_nonce: response.nonce });
    }
    const done = nackFirst ? nackedVersion !== null && response.version_info !== nackedVersion : allNamesServed(context) && rotations >= context.rotations;
    if (done) {
      call.cancel();
      finish(EXIT_OK, { event: 'done', rpc, rotations, served: context.served });
    }
  });
  call.write({ node: node(context), resource_names: context.names, type_url: SECRET_TYPE_URL, version_info: '', response_nonce: '' });
  emit({ event: 'subscribed', rpc, names: context.names });
}

function delta(context, client) {
  const call = client.DeltaSecrets();
  const rpc = 'delta';
  let rotations = 0;
  onStreamEnd(call, rpc);
  call.on('data', (response) => {
    const resources = response.resources.map((r) => Object.assign({ version: r.version }, describeSecret(context, r.resource)));
    emit({ event: 'response', rpc, system_version_info: response.system_version_info, nonce: response.nonce, resources, removed: response.removed_resources });
    for (const summary of resources) {
      rotations += isRotation(context, summary) ? 1 : 0;
    }
    if (context.ack) {
      call.write({ node: node(context), type_url: SECRET_TYPE_URL, response_nonce: response.nonce });
      emit({ event: 'ack', rpc, response_nonce: response.nonce });
    }
    if (allNamesServed(context) && rotations >= context.rotations) {
      call.cancel();
      finish(EXIT_OK, { event: 'done', rpc, rotations, served: context.served });
    }
  });
  call.write({ node: node(context), type_url: SECRET_TYPE_URL, resource_names_subscribe: context.names, initial_resource_versions: {} });
  emit({ event: 'subscribed', rpc, names: context.names });
}

function fetch(context, client) {
  const rpc = 'fetch';
  const request = { node: node(context), resource_names: context.names, type_url: SECRET_TYPE_URL };
  client.FetchSecrets(request, (error, response) => {
    if (error) {
      finish(EXIT_UNEXPECTED, statusEvent(rpc, error));
    }
    const resources = response.resources.map((r) => describeSecret(context, r));
    emit({ event: 'response', rpc, version_info: response.version_info, nonce: response.nonce, resources });
    const missing = context.names.filter((n) => !context.served[n]);
    finish(missing.length === 0 ? EXIT_OK : EXIT_UNEXPECTED, { event: missing.length === 0 ? 'done' : 'missing', rpc, missing });
  });
}

/** Resolves with the status one RPC ended in (or 'served' if the server answered at all). */
function probe(context, client, rpc) {
  return new Promise((resolve) => {
    const request = { node: node(context), resource_names: context.names, type_url: SECRET_TYPE_URL };
    if (rpc === 'fetch') {
      client.FetchSecrets(request, (error) => resolve(error ? statusEvent(rpc, error) : { event: 'served', rpc }));
      return;
    }
    const call = rpc === 'stream' ? client.StreamSecrets() : client.DeltaSecrets();
    call.on('data', () => {
      call.cancel();
      resolve({ event: 'served', rpc });
    });
    call.on('error', (error) => resolve(statusEvent(rpc, error)));
    call.on('end', () => resolve({ event: 'stream_closed', rpc }));
    call.write(rpc === 'stream' ? request : { node: node(context), type_url: SECRET_TYPE_URL, resource_names_subscribe: context.names });
  });
}

async function denied(context, client) {
  let allDenied = true;
  for (const rpc of ['stream', 'fetch', 'delta']) {
    const outcome = await probe(context, client, rpc);
    emit(outcome);
    allDenied = allDenied && outcome.code === grpc.status.PERMISSION_DENIED;
  }
  finish(allDenied ? EXIT_OK : EXIT_UNEXPECTED, { event: allDenied ? 'done' : 'not_denied', rpc: 'denied' });
}

function main() {
  let context;
  try {
    context = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(error.message + '\n');
    process.exit(EXIT_USAGE);
  }
  const { definition, Service } = loadProtos();
  context.decodeSecret = definition[SECRET_MESSAGE].deserialize;
  context.served = {};
  context.serials = {};
  const client = new Service(`unix:${context.socket}`, grpc.credentials.createInsecure());
  // Every command ends through finish(); this bound makes sure one always does.
  setTimeout(() => finish(EXIT_TIMEOUT, { event: 'timeout', after_seconds: context.timeoutMs / 1000, served: context.served }), context.timeoutMs);
  try {
    switch (context.command) {
      case 'stream':
      case 'nack-then-ack':
        stream(context, client);
        break;
      case 'delta':
        delta(context, client);
        break;
      case 'fetch':
        fetch(context, client);
        break;
      case 'denied':
        denied(context, client).catch((error) => finish(EXIT_UNEXPECTED, { event: 'error', message: error.message }));
        break;
    }
  } catch (error) {
    finish(EXIT_UNEXPECTED, { event: 'error', message: error.message });
  }
}

process.on('uncaughtException', (error) => finish(EXIT_UNEXPECTED, { event: 'error', message: error.message }));
main();
