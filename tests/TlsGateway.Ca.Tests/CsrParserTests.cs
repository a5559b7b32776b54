using System.Security.Cryptography;
using TlsGateway.Ca.Tests.Infrastructure;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// The CSR parser faces bytes from any workload: whatever they are, the outcome is a parsed
/// request or an <see cref="IssuanceDeniedException"/>, never another exception escaping.
/// </summary>
public sealed class CsrParserTests
{
    [Theory]
    [InlineData("ec-p256")]
    [InlineData("rsa-2048")]
    public void Every_single_byte_corruption_of_a_csr_is_parsed_or_denied_never_thrown(string kind)
    {
        byte[] csr = TestCsr.Create(kind, TestCa.Workload("web").ToString(), ["web.example"]);
        var unexpected = new List<string>();

        for (int i = 0; i < csr.Length; i++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF })
            {
                byte[] corrupt = (byte[])csr.Clone();
                corrupt[i] ^= mask;
                try
                {
                    CsrParser.Parse(corrupt);
                }
                catch (IssuanceDeniedException)
                {
                }
                catch (Exception e)
                {
                    unexpected.Add($"byte {i} ^ 0x{mask:X2}: {e.GetType().Name}: {e.Message} {Where(e)}");
                }
            }
        }

        Assert.True(unexpected.Count == 0, string.Join('\n', unexpected.Take(20)));
    }

    [Fact]
    public void Every_truncation_of_a_csr_is_denied_as_malformed()
    {
        byte[] csr = TestCsr.Create("ec-p256", TestCa.Workload("web").ToString());
        var wrong = new List<string>();

        for (int length = 1; length < csr.Length; length++)
        {
            try
            {
                CsrParser.Parse(csr.AsSpan(0, length));
                wrong.Add($"{length} bytes: parsed");
            }
            catch (IssuanceDeniedException e) when (e.Reason == DenialReason.Malformed)
            {
            }
            catch (Exception e)
            {
                wrong.Add($"{length} bytes: {e.GetType().Name}: {e.Message} {Where(e)}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong.Take(20)));
    }

    [Fact]
    public void Random_input_is_denied_never_thrown()
    {
        var unexpected = new List<string>();
        for (int i = 0; i < 2000; i++)
        {
            byte[] input = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(1, 300));
            input[0] = 0x30; // make it reach the DER parser
            try
            {
                CsrParser.Parse(input);
                unexpected.Add($"{Convert.ToHexString(input)}: parsed");
            }
            catch (IssuanceDeniedException)
            {
            }
            catch (Exception e)
            {
                unexpected.Add($"{Convert.ToHexString(input)}: {e.GetType().Name}: {e.Message} {Where(e)}");
            }
        }

        Assert.True(unexpected.Count == 0, string.Join('\n', unexpected.Take(10)));
    }

    [Fact]
    public void A_parsed_csr_reports_its_key_kind_and_requested_names()
    {
        string id = TestCa.Workload("web").ToString();

        CsrContents rsa = CsrParser.Parse(TestCsr.Create("rsa-2048", id, ["a.example", "b.example"]));
        CsrContents ec = CsrParser.Parse(TestCsr.ToPem(TestCsr.Create("ec-p384")));

        Assert.True(rsa.IsRsaKey);
        Assert.Equal([id], rsa.UriNames);
        Assert.Equal(["a.example", "b.example"], rsa.DnsNames);
        Assert.False(ec.IsRsaKey);
        Assert.Empty(ec.UriNames);
        Assert.Empty(ec.DnsNames);
    }

    /// <summary>The innermost frame of our own code the exception passed through, to point at the fix.</summary>
    private static string Where(Exception e) =>
        e.StackTrace?.Split('\n').FirstOrDefault(line => line.Contains("TlsGateway.Ca.", StringComparison.Ordinal))?.Trim() ?? "";
}
