namespace TlsGateway.Edge.Loop;

/// <summary>What owns descriptors registered with an <see cref="EventLoop"/>. Called on the loop's thread only.</summary>
internal interface ILoopHandler
{
    /// <summary>Readiness of one of the handler's descriptors (edge-triggered: read until the socket is empty, write until it is full).</summary>
    void OnEvent(int fd, uint events);

    /// <summary>Called on the next turn of the loop after the handler asked for it (<see cref="EventLoop.Defer"/>).</summary>
    void OnDeferred();

    /// <summary>Called once per loop tick (about every <see cref="EventLoop.TickMilliseconds"/>) for deadlines.</summary>
    void OnTick(long now);

    /// <summary>A bug escaped <see cref="OnEvent"/> or <see cref="OnTick"/>: log it and release what the handler owns.</summary>
    void OnCrash(Exception exception);
}
