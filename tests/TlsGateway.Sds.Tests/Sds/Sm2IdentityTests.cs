using TlsGateway.Ca;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Config;
using TlsGateway.Grpc.Envoy.Discovery;
using static TlsGateway.Sds.Tests.Sds.SdsHarness;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds.Tests.Sds;

/// <summary>
/// `key_type: sm2` (agent-wide or per named certificate): the agent makes SM2 keys, an SM2 CA
/// signs them SM2-with-SM3, and SDS serves the chain and the PKCS#8 key like any other.
/// </summary>
public sealed class Sm2IdentityTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static AgentOptions Sm2Options =>
        AgentOptions.Default with { KeyType = WorkloadKey.Sm2, RetryInitial = TimeSpan.FromMilliseconds(100), BundleRefresh = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task An_agent_with_key_type_sm2_serves_an_sm2_identity_from_an_sm2_ca()
    {
        await using SdsHarness agent = await StartAsync(Sm2Options, caKeyType: CaKeyType.Sm2);
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));

        EnvoySecret secret = SecretAssert.Secret(await NextAsync(stream.ResponseStream, Wait), SecretNames.Default);

        await AssertSm2ChainAsync(agent.Directory, secret);
        Assert.Null(SdsFileMirror.WriteCertificate(secret, agent.Directory.PathOf("mirror-cert.pem"), agent.Directory.PathOf("mirror-key.pem")));
    }

    [Fact]
    public async Task A_named_certificate_with_key_type_sm2_is_sm2_while_the_default_identity_keeps_the_agent_key_type()
    {
        var named = new NamedCertificate("edge-sm2", SpiffeId("ns/edge/sa/web"), ["web.example.org"], WorkloadKey.Sm2);
        WorkloadRule rule = new(WorkloadPolicy.CurrentUid(), null, null, null, $"spiffe://{TrustDomain}/ns/default/sa/{{user}}", ["edge-sm2"]);
        await using SdsHarness agent = await StartAsync(rules: [rule], named: [named], caKeyType: CaKeyType.Sm2);
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request("edge-sm2", SecretNames.Default));

        DiscoveryResponse response = await NextAsync(stream.ResponseStream, Wait);
        while (response.Resources.Count < 2)
        {
            response = await NextAsync(stream.ResponseStream, Wait);
        }

        EnvoySecret sm2 = SecretAssert.Secret(response, "edge-sm2");
        EnvoySecret ecdsa = SecretAssert.Secret(response, SecretNames.Default);
        await AssertSm2ChainAsync(agent.Directory, sm2);
        Assert.Equal("ecdsa-p256", WorkloadKey.TypeOf(Leaf(ecdsa).Structure.SubjectPublicKeyInfo.GetDerEncoded()));
    }

    [Theory]
    [InlineData("  key_type: sm9\n", "t.yaml:4: agent.key_type")]
    [InlineData("  certificates: [{ name: e, identity: \"spiffe://example.org/ns/a/sa/e\", key_type: SM2 }]\n", "agent.certificates[0].key_type")]
    public void An_unknown_key_type_is_refused_naming_the_types_there_are(string line, string where)
    {
        string text = "agent:\n  ca: { data: d }\n  sds_socket: s\n" + line + "  policy: [{ uid: 0, identity: \"spiffe://example.org/ns/a/sa/b\" }]\n";

        ConfigException refused = Assert.Throws<ConfigException>(() => AgentConfigReader.Read("t.yaml", text));

        Assert.Contains(where, refused.Message);
        Assert.Contains("unknown key type", refused.Message);
        Assert.Contains("ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, sm2", refused.Message);
    }

    [Fact]
    public void Key_type_sm2_is_read_for_the_agent_and_for_a_named_certificate()
    {
        AgentConfig config = AgentConfigReader.Read("t.yaml", """
            agent:
              ca: { data: d }
              sds_socket: s
              key_type: sm2
              policy: [{ uid: 0, identity: "spiffe://example.org/ns/a/sa/b", resources: [e, f] }]
              certificates:
                - { name: e, identity: "spiffe://example.org/ns/a/sa/e", key_type: ecdsa-p384 }
                - { name: f, identity: "spiffe://example.org/ns/a/sa/f" }
            """);

        Assert.Equal(WorkloadKey.Sm2, config.Options.KeyType);
        Assert.Equal(["ecdsa-p384", null], config.Certificates.Select(c => c.KeyType));
    }

    private static Identity.SpiffeId SpiffeId(string path) => Identity.SpiffeId.Parse($"spiffe://{TrustDomain}/{path}");

    private static CaCertificate Leaf(EnvoySecret secret) =>
        CaCertificate.FromPem(secret.TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8());

    /// <summary>SM2 leaf and key, and the leaf's link to the intermediate served after it verifies under the default ID.</summary>
    private static async Task AssertSm2ChainAsync(TempDirectory directory, EnvoySecret secret)
    {
        string chain = secret.TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8();
        string keyPem = secret.TlsCertificate.PrivateKey.InlineBytes.ToStringUtf8();
        string leaf = directory.Write("leaf.pem", PemText.Encode("CERTIFICATE", Leaf(secret).Der));
        string intermediate = directory.Write("intermediate.pem", chain[chain.IndexOf("-----BEGIN", 1, StringComparison.Ordinal)..]);
        string key = directory.Write("key.pem", keyPem);

        ProcessResult link = await OpenSsl.RunAsync(directory.Path, "verify", "-vfyopt", "distid:1234567812345678", "-partial_chain", "-CAfile", intermediate, leaf);
        ProcessResult leafKey = await OpenSsl.RunAsync(directory.Path, "x509", "-in", leaf, "-noout", "-pubkey");
        ProcessResult ownKey = await OpenSsl.RunAsync(directory.Path, "pkey", "-in", key, "-pubout");

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", keyPem, StringComparison.Ordinal);
        Assert.Equal(WorkloadKey.Sm2, WorkloadKey.TypeOf(Leaf(secret).Structure.SubjectPublicKeyInfo.GetDerEncoded()));
        Assert.Equal(CaKeyType.Sm2.SignatureOid, Leaf(secret).Structure.SignatureAlgorithm.Algorithm.Id);
        Assert.True(link.Succeeded, link.Combined);
        Assert.Equal(ownKey.StandardOutput, leafKey.StandardOutput);
    }
}
