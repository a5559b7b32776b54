namespace TlsGateway.Tls.ShangMi;

/// <summary>Builds a suite's AEAD from a traffic key of <see cref="Tls13CipherSuite.KeyLength"/> bytes; the caller wipes its copy of the key.</summary>
public delegate Tls13Aead Tls13AeadFactory(ReadOnlySpan<byte> key);
