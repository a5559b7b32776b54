// evloop --listen PORT --cert FILE --key FILE --upstream PORT: a measuring prototype (see
// EvLoop.csproj). Terminates TLS on 127.0.0.1:PORT with the edge's OpenSSL engine and default
// profile, forwards to 127.0.0.1:UPSTREAM, on one thread and one epoll set.
using System.Net;
using System.Net.Sockets;
using TlsGateway.Bench.EvLoop;
using TlsGateway.Crypto;
using TlsGateway.Interop;
using TlsGateway.Tls;

string Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault()
    ?? throw new ArgumentException($"usage: evloop --listen PORT --cert FILE --key FILE --upstream PORT (missing {name})");

int listenPort = int.Parse(Arg("--listen"), System.Globalization.CultureInfo.InvariantCulture);
int upstreamPort = int.Parse(Arg("--upstream"), System.Globalization.CultureInfo.InvariantCulture);
using CertificateKeyPair pair = CertificateKeyPair.Load(Arg("--cert"), new PrivateKeySource(Arg("--key")));
using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions(
    [new ServerNameEntry("default", ["localhost"], [pair], TlsProfile.Default, ClientAuthOptions.Off, [])]));

var loop = new EventLoop();
using var listening = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listening.Bind(new IPEndPoint(IPAddress.Loopback, listenPort));
listening.Listen(1024);
listening.Blocking = false; // accepted by the loop (accept4 until EAGAIN), never by .NET
int listener = checked((int)listening.Handle);
loop.Add(listener, new Acceptor(loop, client => new Connection(loop, client, context.CreateConnection(), upstreamPort)), NativeLoop.Readable);
Console.WriteLine($"evloop: listening on 127.0.0.1:{listenPort}, upstream 127.0.0.1:{upstreamPort}");
loop.Run();
