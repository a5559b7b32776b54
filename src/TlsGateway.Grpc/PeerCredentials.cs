using System.Globalization;
using System.Net.Sockets;

namespace TlsGateway.Grpc;

/// <summary>
/// Who is on the other end of a Unix socket, as the kernel recorded it at connect() time
/// (SO_PEERCRED), plus the process's start time so that a later look at /proc/PID (its user
/// name, its executable) can tell the process apart from a new one that reused the pid.
/// </summary>
public sealed record PeerCredentials(int Pid, uint Uid, uint Gid, ulong StartTime)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>Reads the peer credentials of a connected Unix socket; null for other sockets.</summary>
    public static PeerCredentials? Read(Socket socket)
    {
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            return null;
        }

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit fields on Linux.
        Span<byte> ucred = stackalloc byte[12];
        if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != ucred.Length)
        {
            return null;
        }

        int pid = BitConverter.ToInt32(ucred[..4]);
        uint uid = BitConverter.ToUInt32(ucred[4..8]);
        uint gid = BitConverter.ToUInt32(ucred[8..12]);
        return new PeerCredentials(pid, uid, gid, ProcessStartTime(pid) ?? 0);
    }

    /// <summary>
    /// True while PID still names the process that connected: it exists and started at the same
    /// clock tick. Check it after reading anything about the process from /proc.
    /// </summary>
    public bool IsSameProcess() => StartTime != 0 && ProcessStartTime(Pid) == StartTime;

    /// <summary>The executable of the peer process, or null when it cannot be read or the pid was reused meanwhile.</summary>
    public string? ReadExecutable()
    {
        try
        {
            string? target = new FileInfo($"/proc/{Pid}/exe").LinkTarget;
            return IsSameProcess() ? target : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Field 22 of /proc/PID/stat (starttime, clock ticks since boot); null when the process is gone.</summary>
    public static ulong? ProcessStartTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may itself hold spaces or ')'.
        int close = stat.LastIndexOf(')');
        string[] rest = stat[(close + 2)..].Split(' ');
        // rest[0] is field 3 (state), so field 22 is rest[19].
        return rest.Length > 19 && ulong.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start) ? start : null;
    }

    public override string ToString() => $"pid={Pid} uid={Uid} gid={Gid}";
}
