namespace TlsGateway.Crypto.Tests.ShangMi;

/// <summary>RFC 8998 Appendix A: the SM4-GCM (A.1) and SM4-CCM (A.2) examples share key, IV, associated data and plaintext.</summary>
internal static class Rfc8998Vectors
{
    public static readonly byte[] Key = Convert.FromHexString("0123456789ABCDEFFEDCBA9876543210");
    public static readonly byte[] Nonce = Convert.FromHexString("00001234567800000000ABCD");
    public static readonly byte[] AssociatedData = Convert.FromHexString("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");

    public static readonly byte[] Plaintext = Convert.FromHexString(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD" +
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA");

    public const string GcmCiphertext =
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735" +
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D";

    public const string GcmTag = "83DE3541E4C2B58177E065A9BF7B62EC";

    public const string CcmCiphertext =
        "48AF93501FA62ADBCD414CCE6034D895DDA1BF8F132F042098661572E7483094" +
        "FD12E518CE062C98ACEE28D95DF4416BED31A2F04476C18BB40C84A74B97DC5B";

    public const string CcmTag = "16842D4FA186F56AB33256971FA110F4";
}
