namespace TlsGateway.Interop;

/// <summary>Key types the shim can generate; mirrors TlsGwKeyType in pal_sign.h.</summary>
public enum NativeKeyType
{
    EcP256 = 1,
    EcP384 = 2,
    Rsa = 3,
    Sm2 = 4,
}
