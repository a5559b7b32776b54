using System.Text;
using TlsGateway.Ca.Tests.Infrastructure;

namespace TlsGateway.Ca.Tests.Fuzz;

/// <summary>
/// The CSR parser under mutated DER and PEM (<see cref="Fuzzer"/>): whatever a requester sends,
/// the answer is a parsed request or an <see cref="IssuanceDeniedException"/> with a reason —
/// never another exception escaping from Bouncy Castle or our own code.
/// </summary>
public sealed class CsrParserFuzzTests
{
    [Fact]
    public void Mutated_csrs_are_parsed_or_denied_with_a_reason_and_nothing_else()
    {
        byte[] ec = TestCsr.Create("ec-p256", "spiffe://example.org/ns/shop/sa/web", ["web.shop.svc"]);
        byte[] rsa = TestCsr.Create("rsa-2048");
        byte[] pem = Encoding.ASCII.GetBytes(PemText.Encode("CERTIFICATE REQUEST", ec));

        int runs = Fuzzer.Run([ec, rsa, pem], input => CsrParser.Parse(input), e => e is IssuanceDeniedException);

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }
}
