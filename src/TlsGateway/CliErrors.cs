using System.CommandLine;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Interop;
using TlsGateway.Storage;

namespace TlsGateway.Host;

/// <summary>
/// Runs an operator command and maps its failures to the exit codes scripts rely on: 1 when the
/// request was understood and refused (issuance denied, a check failed), 2 for bad input or setup.
/// Messages go to stderr prefixed "tlsgw:"; they never carry key material (the exceptions
/// mapped here are built not to).
/// </summary>
internal static class CliErrors
{
    public static void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await action(result, cancellationToken);
            }
            catch (IssuanceDeniedException e)
            {
                Console.Error.WriteLine($"tlsgw: denied ({e.Reason}): {e.Message}");
                return CaContext.ExitCodes.Refused;
            }
            catch (Exception e) when (e is CaException or StoreException or CryptoConfigurationException or FormatException
                or OpenSslException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"tlsgw: {e.Message}");
                return CaContext.ExitCodes.BadInput;
            }
        });
}
