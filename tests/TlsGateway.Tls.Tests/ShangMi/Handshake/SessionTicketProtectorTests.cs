using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// The ticket protector on its own: Envoy-format 80-byte keys, the first seals and all open, and a
/// ticket that was tampered with, names no current key, or is too short does not open.
/// </summary>
public sealed class SessionTicketProtectorTests
{
    private static readonly byte[] s_state = "the sealed state of one session"u8.ToArray();

    [Fact]
    public void Resumption_protector_opens_what_it_sealed_and_prefixes_the_first_keys_name()
    {
        byte[] key = SessionTicketProtector.GenerateKey();
        using var protector = new SessionTicketProtector([key]);

        byte[] ticket = protector.Seal(s_state);

        Assert.Equal(s_state.Length + SessionTicketProtector.Overhead, ticket.Length);
        Assert.Equal(key[..16], ticket[..16]);
        Assert.True(protector.TryOpen(ticket, out byte[] opened));
        Assert.Equal(s_state, opened);
        Assert.NotEqual(ticket, protector.Seal(s_state)); // a fresh random nonce each time
    }

    [Fact]
    public void Resumption_protector_refuses_a_ticket_whose_key_name_it_does_not_hold()
    {
        using var sealer = new SessionTicketProtector([SessionTicketProtector.GenerateKey()]);
        using var other = new SessionTicketProtector([SessionTicketProtector.GenerateKey()]);

        Assert.False(other.TryOpen(sealer.Seal(s_state), out byte[] opened));
        Assert.Empty(opened);
    }

    [Fact]
    public void Resumption_protector_refuses_a_ticket_with_any_byte_changed_and_a_truncated_one()
    {
        using var protector = new SessionTicketProtector([SessionTicketProtector.GenerateKey()]);
        byte[] ticket = protector.Seal(s_state);

        for (int i = 0; i < ticket.Length; i++)
        {
            byte[] tampered = (byte[])ticket.Clone();
            tampered[i] ^= 0x40;
            Assert.False(protector.TryOpen(tampered, out _), $"byte {i}");
        }

        Assert.False(protector.TryOpen(ticket[..^1], out _));
        Assert.False(protector.TryOpen(ticket[..(SessionTicketProtector.Overhead - 1)], out _));
        Assert.False(protector.TryOpen([], out _));
    }

    [Fact]
    public void Resumption_protector_rotation_seals_with_the_new_key_and_still_opens_with_the_second()
    {
        byte[] oldKey = SessionTicketProtector.GenerateKey();
        byte[] newKey = SessionTicketProtector.GenerateKey();
        using var protector = new SessionTicketProtector([oldKey]);
        byte[] before = protector.Seal(s_state);

        protector.SetKeys([newKey, oldKey]);
        byte[] after = protector.Seal(s_state);

        Assert.Equal(2, protector.KeyCount);
        Assert.Equal(newKey[..16], after[..16]);
        Assert.True(protector.TryOpen(before, out _));
        Assert.True(protector.TryOpen(after, out _));

        protector.SetKeys([newKey]);
        Assert.False(protector.TryOpen(before, out _));
        Assert.True(protector.TryOpen(after, out _));
    }

    [Fact]
    public void Resumption_protector_treats_a_key_that_keeps_its_name_but_changes_its_bytes_as_a_new_key()
    {
        byte[] key = SessionTicketProtector.GenerateKey();
        using var protector = new SessionTicketProtector([key]);
        byte[] ticket = protector.Seal(s_state);
        byte[] changed = (byte[])key.Clone();
        changed[^1] ^= 1;

        protector.SetKeys([changed]);

        Assert.False(protector.TryOpen(ticket, out _));
    }

    [Fact]
    public void Resumption_protector_refuses_bad_key_lists_and_keeps_its_keys()
    {
        byte[] key = SessionTicketProtector.GenerateKey();
        using var protector = new SessionTicketProtector([key]);
        byte[] ticket = protector.Seal(s_state);

        Assert.Throws<ArgumentException>(() => protector.SetKeys([]));
        Assert.Throws<ArgumentException>(() => protector.SetKeys([new byte[48]]));
        Assert.Throws<ArgumentException>(() => protector.SetKeys([SessionTicketProtector.GenerateKey(), new byte[81]]));
        Assert.Throws<ArgumentException>(() => protector.SetKeys([key, key]));
        ArgumentException error = Assert.Throws<ArgumentException>(() => protector.SetKeys([new byte[79]]));
        Assert.DoesNotContain(Convert.ToHexString(key[16..24]), error.Message);

        Assert.True(protector.TryOpen(ticket, out _));
    }

    [Fact]
    public void Resumption_protector_after_dispose_opens_nothing_and_refuses_to_seal()
    {
        var protector = new SessionTicketProtector([SessionTicketProtector.GenerateKey()]);
        byte[] ticket = protector.Seal(s_state);

        protector.Dispose();

        Assert.False(protector.TryOpen(ticket, out _));
        Assert.Throws<ObjectDisposedException>(() => protector.Seal(s_state));
        Assert.Throws<ObjectDisposedException>(() => protector.SetKeys([SessionTicketProtector.GenerateKey()]));
    }

    [Fact]
    public async Task Resumption_protector_serves_many_threads_while_keys_rotate()
    {
        byte[] steady = SessionTicketProtector.GenerateKey();
        using var protector = new SessionTicketProtector([steady]);
        Task[] workers = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 300; i++)
            {
                // The steady key stays first across every swap, so each ticket must open.
                Assert.True(protector.TryOpen(protector.Seal(s_state), out byte[] plaintext));
                Assert.Equal(s_state, plaintext);
            }
        }))];
        Task all = Task.WhenAll(workers);
        int swaps = 0;
        while (!all.IsCompleted)
        {
            protector.SetKeys([steady, SessionTicketProtector.GenerateKey()]);
            swaps++;
        }

        await all;
        Assert.True(swaps > 0);
    }
}
