package tlsgw.bcpeer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A TLS 1.3 server on Bouncy Castle's low-level API that serves a fixed number of connections one after
 * another: handshake, then echo one line back. Exit code 0 when every connection succeeded, 1 when one
 * failed, 2 for bad options.
 *
 * <pre>
 * PeerServer --port N [--host 127.0.0.1] --suite gcm|ccm|aes128gcm --cert CHAIN.pem --key KEY.pem
 *            [--trust ANCHORS.pem] [--client-auth none|request|require] [--connections 1]
 *            [--timeout-ms 10000] [--accept-timeout-ms 60000]
 * </pre>
 */
public final class PeerServer
{
    private static final Set<String> OPTIONS = Set.of("host", "port", "suite", "cert", "key", "trust", "client-auth", "connections",
        "timeout-ms", "accept-timeout-ms");

    private PeerServer()
    {
    }

    public static void main(String[] arguments)
    {
        try
        {
            Bc172Gaps.requireAgent();
            System.exit(run(PeerOptions.parse(arguments, OPTIONS)) ? 0 : 1);
        }
        catch (IllegalArgumentException | IllegalStateException | IOException e)
        {
            System.err.println("bc-peer-server: " + e.getMessage());
            System.exit(2);
        }
    }

    private static boolean run(PeerOptions options) throws IOException
    {
        SuiteProfile profile = SuiteProfile.parse(options.required("suite"));
        PeerIdentity identity = PeerIdentity.load(Path.of(options.required("cert")), Path.of(options.required("key")));
        ChainValidator validator = new ChainValidator(options.path("trust") == null ? List.of() : Pem.readCertificates(options.path("trust")));
        ShangMiTlsServer.ClientAuth clientAuth = ShangMiTlsServer.ClientAuth.parse(options.text("client-auth", "none"));
        int timeout = options.integer("timeout-ms", 10_000);
        TicketIssuer tickets = new TicketIssuer();

        boolean allOk = true;
        try (ServerSocket listener = new ServerSocket())
        {
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(options.text("host", "127.0.0.1"), options.integer("port", 0)));
            listener.setSoTimeout(options.integer("accept-timeout-ms", 60_000));
            Report.line("LISTENING port=" + listener.getLocalPort() + " suite=" + profile + " client-auth=" + clientAuth.name().toLowerCase(java.util.Locale.ROOT));
            int connections = options.integer("connections", 1);
            for (int connection = 1; connection <= connections; connection++)
            {
                try (Socket socket = listener.accept())
                {
                    socket.setSoTimeout(timeout);
                    ShangMiCrypto crypto = new ShangMiCrypto();
                    ServerProtocol protocol = new ServerProtocol(socket.getInputStream(), socket.getOutputStream(), tickets);
                    ShangMiTlsServer server = new ShangMiTlsServer(crypto, profile, identity, validator, clientAuth, tickets);
                    allOk &= serve(connection, protocol, server, crypto);
                }
            }
        }

        return allOk;
    }

    private static boolean serve(int connection, ServerProtocol protocol, ShangMiTlsServer server, ShangMiCrypto crypto)
    {
        try
        {
            protocol.accept(server);
            Report.line(Report.handshake("server", connection, server.connectionParameters(), protocol.group(),
                protocol.helloRetryRequest(), server.resumed(), crypto.peerSignatureScheme()));
        }
        catch (IOException | RuntimeException e)
        {
            Report.line(Report.failure("HANDSHAKE", "server", connection, e));
            return false;
        }

        try
        {
            BufferedReader reader = new BufferedReader(new InputStreamReader(protocol.getInputStream(), StandardCharsets.UTF_8));
            String line = reader.readLine();
            if (line == null)
            {
                Report.line("ECHO failed role=server connection=" + connection + " error=closed_before_a_line");
                return false;
            }

            OutputStream output = protocol.getOutputStream();
            output.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            output.flush();
            Report.line("ECHO ok role=server connection=" + connection + " bytes=" + (line.length() + 1));
            protocol.close();
            return true;
        }
        catch (IOException | RuntimeException e)
        {
            Report.line(Report.failure("ECHO", "server", connection, e));
            return false;
        }
    }
}
