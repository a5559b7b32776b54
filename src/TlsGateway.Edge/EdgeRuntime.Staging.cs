using System.Security.Cryptography;
using TlsGateway.Edge.Config;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

// The runtime's bookkeeping: what is in service per listener, and what a reload has built but
// not yet put in service.
public sealed partial class EdgeRuntime
{
    private sealed record RunningListener(ListenerConfig Config, TlsListener Listener,
        TicketKeyRing Tickets, IdleSweeper Idle, Timer? Rotation, OcspStapler? Stapler);

    // A listener's new binding, built but not yet in service.
    private sealed class StagedListener(ListenerConfig config, RunningListener? existing, TicketKeyRing ring, bool newRing, IdleSweeper idle)
    {
        public ListenerConfig Config { get; } = config;

        public RunningListener? Existing { get; } = existing;

        public TicketKeyRing Ring { get; } = ring;

        public bool NewRing { get; } = newRing;

        public IdleSweeper Idle { get; } = idle;

        public ListenerBinding Binding { get; set; } = null!;

        public TlsListener? NewListener { get; set; }

        public OcspStapler? Stapler { get; set; }

        /// <summary>Keys read from the ticket key file for a ring already in service, installed at commit.</summary>
        public byte[]? PendingKeys { get; set; }

        public void CommitPendingKeys()
        {
            if (PendingKeys is { } keys)
            {
                try
                {
                    TicketKeyFile.Install(Ring, keys);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(keys);
                    PendingKeys = null;
                }
            }
        }

        // Undoes a stage that will not go into service; shared parts of a running listener are left alone.
        public void Release()
        {
            if (PendingKeys is not null)
            {
                CryptographicOperations.ZeroMemory(PendingKeys);
                PendingKeys = null;
            }

            Stapler?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Binding?.Context?.Dispose();
            Binding?.ShangMi?.Dispose();
            if (NewListener is not null)
            {
                NewListener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            if (Existing is null)
            {
                Idle.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            if (NewRing)
            {
                Ring.Dispose();
            }
        }
    }
}
