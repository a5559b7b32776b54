namespace TlsGateway.Tls.Tests.ShangMi;

/// <summary>
/// RFC 8448 §3, "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256 over x25519): the messages, the
/// ECDHE shared secret, every secret, key and IV the trace prints, and the protected records it
/// sends. Published test vectors; the expected values of the key schedule and record tests.
/// </summary>
internal static class Rfc8448Trace
{
    public static readonly byte[] ClientHelloMessage = Convert.FromHexString(
        "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001");

    public static readonly byte[] ServerHelloMessage = Convert.FromHexString(
        "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304");

    public static readonly byte[] EncryptedExtensionsMessage = Convert.FromHexString(
        "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000");

    public static readonly byte[] CertificateMessage = Convert.FromHexString(
        "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000");

    public static readonly byte[] CertificateVerifyMessage = Convert.FromHexString(
        "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3");

    public static readonly byte[] ServerFinishedMessage = Convert.FromHexString(
        "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718");

    public static readonly byte[] ClientFinishedMessage = Convert.FromHexString(
        "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61");

    public static readonly byte[] NewSessionTicketMessage = Convert.FromHexString(
        "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d3570008002a000400000400");

    public const string SharedSecret = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
    public const string EarlySecret = "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";
    public const string DerivedForHandshake = "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba";
    public const string HandshakeSecret = "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac";
    public const string HelloHash = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";
    public const string ClientHandshakeTrafficSecret = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
    public const string ServerHandshakeTrafficSecret = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
    public const string DerivedForMaster = "43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4";
    public const string MasterSecret = "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919";
    public const string ServerHandshakeKey = "3fce516009c21727d0f2e4e86ee403bc";
    public const string ServerHandshakeIv = "5d313eb2671276ee13000b30";
    public const string ClientHandshakeKey = "dbfaa693d1762c5b666af5d950258d01";
    public const string ClientHandshakeIv = "5bd3c71b836e0b76bb73265f";
    public const string ServerFinishedVerifyData = "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
    public const string ClientFinishedVerifyData = "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";
    public const string ClientApplicationTrafficSecret = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
    public const string ServerApplicationTrafficSecret = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
    public const string ExporterMasterSecret = "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50";
    public const string ServerApplicationKey = "9f02283b6c9c07efc26bb9f2ac92e356";
    public const string ServerApplicationIv = "cf782b88dd83549aadf1e984";
    public const string ClientApplicationKey = "17422dda596ed5d9acd890e3c63f5051";
    public const string ClientApplicationIv = "5b78923dee08579033e523d9";
    public const string ResumptionMasterSecret = "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c";

    /// <summary>The ticket's nonce is 00 00; the PSK it stands for (§3, "generate resumption secret").</summary>
    public const string ResumptionPsk = "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3";

    /// <summary>§4 "Resumed 0-RTT Handshake": early secret from the PSK above, and the binder key and binder over the truncated ClientHello.</summary>
    public const string ResumedEarlySecret = "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c";
    public const string ResumedBinderHash = "63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14";
    public const string ResumedBinderKey = "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256";
    public const string ResumedBinder = "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d";

    /// <summary>EncryptedExtensions…Finished in one record under the server handshake keys, sequence 0.</summary>
    public static readonly byte[] ServerFlightRecord = Convert.FromHexString(
        "17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35e" +
        "df7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78" +
        "b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b" +
        "d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9" +
        "d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2e" +
        "d65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092" +
        "8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead68694" +
        "5ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b368" +
        "4596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f" +
        "4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26" +
        "f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b65962224531" +
        "7b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e" +
        "1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da" +
        "8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d4" +
        "61e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe" +
        "5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb" +
        "992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c859" +
        "77b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038" +
        "ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b84" +
        "5e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5" +
        "d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e" +
        "750edc53370d2b");

    /// <summary>The client's Finished under the client handshake keys, sequence 0.</summary>
    public static readonly byte[] ClientFinishedRecord = Convert.FromHexString(
        "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546");

    /// <summary>The NewSessionTicket: server application keys, sequence 0.</summary>
    public static readonly byte[] TicketRecord = Convert.FromHexString(
        "17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d4" +
        "1d6af8f6b580dcf3d11d63c758db289a015940252f55713e061dc13e078891a3" +
        "8efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e0" +
        "9c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406" +
        "f16e3fc181a77ca475840025db2f0a77f81b5ab05b94c01346755f69232c8651" +
        "9d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74" +
        "bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf159" +
        "85684f");

    /// <summary>50 bytes 00..31 from the client (client application keys, sequence 0) and back from the server (sequence 1).</summary>
    public static readonly byte[] ClientDataRecord = Convert.FromHexString(
        "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4");

    public static readonly byte[] ServerDataRecord = Convert.FromHexString(
        "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d");

    /// <summary>close_notify (01 00): the client's sequence 1, the server's sequence 2.</summary>
    public static readonly byte[] ClientAlertRecord = Convert.FromHexString("1703030013c9872760655666b74d7ff1153efd6db6d0b0e3");

    public static readonly byte[] ServerAlertRecord = Convert.FromHexString("1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9");

    public static byte[] ApplicationData => [.. Enumerable.Range(0, 0x32).Select(i => (byte)i)];

    public static byte[] ServerFlight => [.. EncryptedExtensionsMessage, .. CertificateMessage, .. CertificateVerifyMessage, .. ServerFinishedMessage];

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);
}
