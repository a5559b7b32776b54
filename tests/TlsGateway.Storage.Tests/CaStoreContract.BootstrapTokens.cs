using System.Security.Cryptography;
using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Storage.Tests;

/// <summary>The bootstrap-token part of the store contract, run on every dialect like the rest.</summary>
public abstract partial class CaStoreContract
{
    private const string Presenter = "grpc:127.0.0.1:40000";

    private static BootstrapToken NewToken(string? spiffeId = null, TimeSpan? lifetime = null) => new(
        Convert.ToHexStringLower(SHA256.HashData(RandomNumberGenerator.GetBytes(32))),
        spiffeId ?? TestData.NewSpiffeId(),
        TestData.Now,
        TestData.Now + (lifetime ?? TimeSpan.FromHours(1)),
        "operator:test");

    private static AuditEntry Created(BootstrapToken token) => new(AuditKinds.TokenCreate, token.CreatedBy, token.SpiffeId, $"bootstrap token {token.Id}");

    [Fact]
    public async Task A_token_is_spent_by_its_first_use_which_returns_its_identity_and_a_second_use_is_refused_as_already_used()
    {
        ICaStore store = Open();
        BootstrapToken token = NewToken();
        await store.CreateBootstrapTokenAsync(token, Created(token));
        DateTimeOffset usedAt = TestData.Now.AddMinutes(10).AddMilliseconds(250);

        BootstrapTokenUse first = await store.ConsumeBootstrapTokenAsync(token.Hash, usedAt, Presenter);
        BootstrapTokenUse second = await store.ConsumeBootstrapTokenAsync(token.Hash, usedAt.AddSeconds(1), "grpc:127.0.0.1:40001");

        Assert.Equal(new BootstrapTokenUse(BootstrapTokenOutcome.Consumed, token.SpiffeId), first);
        Assert.Equal(new BootstrapTokenUse(BootstrapTokenOutcome.AlreadyUsed), second);
        BootstrapToken stored = Assert.Single(await store.ListBootstrapTokensAsync());
        Assert.Equal(token with { UsedAt = usedAt, UsedBy = Presenter }, stored);
        List<AuditEvent> audit = await ReadAllAuditAsync(store);
        Assert.Equal([AuditKinds.TokenCreate, AuditKinds.TokenUse, AuditKinds.TokenDeny], audit.Select(e => e.Kind));
        Assert.Equal([token.SpiffeId, token.SpiffeId, token.SpiffeId], audit.Select(e => e.Subject));
        Assert.Contains("already used", audit[2].Detail);
        Assert.All(audit, e => Assert.DoesNotContain(token.Hash, e.Detail));
    }

    [Fact]
    public async Task An_unknown_token_is_refused_and_the_refusal_is_audited_without_an_identity()
    {
        ICaStore store = Open();
        string unknown = Convert.ToHexStringLower(SHA256.HashData("never created"u8));

        BootstrapTokenUse use = await store.ConsumeBootstrapTokenAsync(unknown, TestData.Now, Presenter);

        Assert.Equal(new BootstrapTokenUse(BootstrapTokenOutcome.Unknown), use);
        AuditEvent refused = Assert.Single(await ReadAllAuditAsync(store));
        Assert.Equal((AuditKinds.TokenDeny, Presenter, "-"), (refused.Kind, refused.Actor, refused.Subject));
        Assert.Contains("unknown", refused.Detail);
    }

    [Fact]
    public async Task An_expired_token_is_refused_and_stays_unused()
    {
        ICaStore store = Open();
        BootstrapToken token = NewToken(lifetime: TimeSpan.FromMinutes(5));
        await store.CreateBootstrapTokenAsync(token, Created(token));

        BootstrapTokenUse atExpiry = await store.ConsumeBootstrapTokenAsync(token.Hash, token.ExpiresAt, Presenter);
        BootstrapTokenUse later = await store.ConsumeBootstrapTokenAsync(token.Hash, token.ExpiresAt.AddDays(1), Presenter);

        Assert.Equal(BootstrapTokenOutcome.Expired, atExpiry.Outcome);
        Assert.Equal(BootstrapTokenOutcome.Expired, later.Outcome);
        Assert.Null(atExpiry.SpiffeId);
        Assert.Null(Assert.Single(await store.ListBootstrapTokensAsync()).UsedAt);
        Assert.Equal([AuditKinds.TokenCreate, AuditKinds.TokenDeny, AuditKinds.TokenDeny], (await ReadAllAuditAsync(store)).Select(e => e.Kind));
    }

    [Fact]
    public async Task Of_concurrent_consumers_of_one_token_on_separate_store_instances_exactly_one_wins()
    {
        // Two instances on one backing database: two connections, as two processes or replicas have.
        ICaStore first = Open();
        ICaStore second = Open();
        const int Rounds = 12;
        var tokens = Enumerable.Range(0, Rounds).Select(_ => NewToken()).ToList();
        foreach (BootstrapToken token in tokens)
        {
            await first.CreateBootstrapTokenAsync(token, Created(token));
        }

        foreach (BootstrapToken token in tokens)
        {
            using var start = new ManualResetEventSlim();
            Task<BootstrapTokenUse>[] racers =
            [
                .. new[] { first, second, first, second }.Select((store, i) => Task.Run(() =>
                {
                    start.Wait();
                    return store.ConsumeBootstrapTokenAsync(token.Hash, TestData.Now.AddMinutes(1), $"racer-{i}");
                })),
            ];
            start.Set();
            BootstrapTokenUse[] uses = await Task.WhenAll(racers);

            BootstrapTokenUse winner = Assert.Single(uses, u => u.Succeeded);
            Assert.Equal(token.SpiffeId, winner.SpiffeId);
            Assert.All(uses.Where(u => !u.Succeeded), u => Assert.Equal(BootstrapTokenOutcome.AlreadyUsed, u.Outcome));
        }

        List<AuditEvent> audit = await ReadAllAuditAsync(first);
        Assert.Equal(Rounds, audit.Count(e => e.Kind == AuditKinds.TokenUse));
        Assert.Equal(Rounds * 3, audit.Count(e => e.Kind == AuditKinds.TokenDeny));
        AuditVerification verification = AuditChain.Verify(audit);
        Assert.True(verification.Ok, verification.FirstBreak?.Message);
    }

    [Fact]
    public async Task Creating_a_token_whose_hash_exists_throws_and_writes_neither_row_nor_audit_event()
    {
        ICaStore store = Open();
        BootstrapToken token = NewToken();
        await store.CreateBootstrapTokenAsync(token, Created(token));

        await Assert.ThrowsAsync<StoreException>(() => store.CreateBootstrapTokenAsync(token with { SpiffeId = TestData.NewSpiffeId() }, Created(token)));

        Assert.Equal(token.SpiffeId, Assert.Single(await store.ListBootstrapTokensAsync()).SpiffeId);
        Assert.Single(await ReadAllAuditAsync(store));
    }

    [Fact]
    public async Task The_store_keeps_only_the_hash_and_lists_tokens_newest_first()
    {
        ICaStore store = Open();
        BootstrapToken older = NewToken();
        BootstrapToken newer = NewToken() with { CreatedAt = TestData.Now.AddMinutes(1), ExpiresAt = TestData.Now.AddHours(2) };
        await store.CreateBootstrapTokenAsync(older, Created(older));
        await store.CreateBootstrapTokenAsync(newer, Created(newer));

        IReadOnlyList<BootstrapToken> listed = await store.ListBootstrapTokensAsync();

        Assert.Equal([newer, older], listed);
        Assert.Equal(2, await QueryScalarAsync("SELECT COUNT(*) FROM bootstrap_tokens WHERE length(hash) = 64"));
    }

    [Fact]
    public async Task A_malformed_hash_is_an_argument_error_and_touches_nothing()
    {
        ICaStore store = Open();

        await Assert.ThrowsAsync<ArgumentException>(() => store.ConsumeBootstrapTokenAsync("tlsgw-bt-not-a-hash", TestData.Now, Presenter));

        Assert.Empty(await ReadAllAuditAsync(store));
    }
}
