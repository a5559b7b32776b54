using System.Text.Json;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Integration.Tests.Scenarios.ShangMi;
using TlsGateway.Sds;

namespace TlsGateway.Integration.Tests.Scenarios.Sds;

/// <summary>
/// An agent with `key_type: sm2` in front of an SM2 CA (`ca init --key-type sm2`), read by the
/// real SDS v3 client (the Node peer in tests/peers/sds-client, on the agent's Unix socket): the
/// served identity is an SM2 key, as PKCS#8, and an SM2-with-SM3 chain whose links verify under
/// the standard ID (one link per `openssl verify`, see Sm2CertificateTests).
/// </summary>
public sealed class Sm2SdsTests
{
    [Fact]
    public async Task An_agent_with_key_type_sm2_serves_an_sm2_identity_from_an_sm2_ca_to_a_real_sds_client()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync(extra: ["--key-type", "sm2"]);
        using var dir = new TempDirectory();
        string config = dir.Write("tlsgw.yaml", $$"""
            agent:
              ca: { data: {{ca.Path}} }
              sds_socket: sds.sock
              key_type: sm2
              policy:
                - uid: {{WorkloadPolicy.CurrentUid()}}
                  identity: spiffe://example.org/ns/default/sa/{user}
            """);
        await using TlsgwProcess agent = TlsgwProcess.Start(["serve", "-c", config]);
        await agent.WaitForOutputAsync("SDS on unix:", TimeSpan.FromSeconds(45));

        SdsClientRun run = await NodeSdsClient.RunAsync("stream", dir.PathOf("sds.sock"), ["--names", "default,ROOTCA", "--out", dir.PathOf("out")],
            TimeSpan.FromSeconds(30));

        Assert.True(run.Succeeded, run + "\ntlsgw:\n" + agent.Output);
        JsonElement served = run.Served("default")[0];
        string chain = served.GetProperty("chain_file").GetString()!;
        string key = served.GetProperty("key_file").GetString()!;
        string[] certificates = Sm2CertificateTests.Certificates(chain);
        ProcessResult text = await ProcessRunner.RunAsync("openssl", ["x509", "-in", chain, "-noout", "-text"]);
        ProcessResult leafKey = await ProcessRunner.RunAsync("openssl", ["x509", "-in", chain, "-noout", "-pubkey"]);
        ProcessResult servedKey = await ProcessRunner.RunAsync("openssl", ["pkey", "-in", key, "-pubout"]);

        Assert.True(served.GetProperty("key_is_pkcs8").GetBoolean(), run.ToString());
        Assert.True(served.GetProperty("key_matches").GetBoolean(), run.ToString()); // Node (its OpenSSL) pairs the SM2 key with the leaf
        Assert.Equal(2, served.GetProperty("chain_length").GetInt32());
        Assert.Contains("Signature Algorithm: SM2-with-SM3", text.StandardOutput);
        Assert.Contains("ASN1 OID: SM2", text.StandardOutput);
        Assert.True(servedKey.ExitCode == 0, servedKey.Combined);
        Assert.Equal(leafKey.StandardOutput.Trim(), servedKey.StandardOutput.Trim());
        await Sm2CertificateTests.AssertLinkAsync(dir.Path, certificates[0], certificates[1], partial: true);
        await Sm2CertificateTests.AssertLinkAsync(dir.Path, certificates[1], Assert.Single(Sm2CertificateTests.Certificates(ca.Bundle)), partial: false);
    }
}
