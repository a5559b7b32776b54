package tlsgw.bcpeer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A TLS 1.3 client on Bouncy Castle's low-level API: handshake, write one line, read the echo. With
 * --resume it connects a second time offering the first connection's ticket (RFC 8446 §2.2) and reports
 * whether the server accepted it. Exit code 0 when every step succeeded, 1 when one failed, 2 for bad
 * options.
 *
 * <pre>
 * PeerClient --port N [--host 127.0.0.1] --suite gcm|ccm|aes128gcm --trust ANCHORS.pem
 *            [--cert CHAIN.pem --key KEY.pem] [--server-name localhost] [--resume] [--hrr]
 *            [--message TEXT] [--echo same|reversed|none] [--timeout-ms 10000]
 * </pre>
 */
public final class PeerClient
{
    private static final Set<String> OPTIONS = Set.of("host", "port", "suite", "cert", "key", "trust", "server-name", "resume", "hrr",
        "message", "echo", "timeout-ms");

    private PeerClient()
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
            System.err.println("bc-peer-client: " + e.getMessage());
            System.exit(2);
        }
    }

    private static boolean run(PeerOptions options) throws IOException
    {
        SuiteProfile profile = SuiteProfile.parse(options.required("suite"));
        Path cert = options.path("cert");
        PeerIdentity identity = cert == null ? null : PeerIdentity.load(cert, Path.of(options.required("key")));
        ChainValidator validator = new ChainValidator(Pem.readCertificates(Path.of(options.required("trust"))));
        InetSocketAddress address = new InetSocketAddress(options.text("host", "127.0.0.1"), Integer.parseInt(options.required("port")));
        String serverName = options.text("server-name", "localhost");
        int timeout = options.integer("timeout-ms", 10_000);
        int connections = options.flag("resume") ? 2 : 1;
        if (options.flag("resume") && options.flag("hrr"))
        {
            // BC 1.72's client cannot re-send PSK binders after a HelloRetryRequest (IllegalStateException
            // "Not buffering" from its transcript hash), so the two are not offered together.
            throw new IllegalArgumentException("--hrr and --resume cannot be combined with Bouncy Castle 1.72");
        }

        SessionTicket ticket = null;
        for (int connection = 1; connection <= connections; connection++)
        {
            try (Socket socket = new Socket())
            {
                socket.connect(address, timeout);
                socket.setSoTimeout(timeout);
                ShangMiCrypto crypto = new ShangMiCrypto();
                ClientProtocol protocol = new ClientProtocol(socket.getInputStream(), socket.getOutputStream());
                ShangMiTlsClient client = new ShangMiTlsClient(crypto, profile, identity, validator, serverName, !options.flag("hrr"), ticket);
                if (!handshake(connection, protocol, client, crypto) || !echo(connection, protocol, options))
                {
                    return false;
                }

                List<SessionTicket> tickets = protocol.tickets();
                Report.line("TICKETS role=client connection=" + connection + " count=" + tickets.size());
                ticket = tickets.isEmpty() ? null : tickets.get(0);
                protocol.close();
            }
        }

        return true;
    }

    private static boolean handshake(int connection, ClientProtocol protocol, ShangMiTlsClient client, ShangMiCrypto crypto)
    {
        try
        {
            protocol.connect(client);
            Report.line(Report.handshake("client", connection, client.connectionParameters(), protocol.group(),
                protocol.helloRetryRequest(), client.resumed(), crypto.peerSignatureScheme()));
            return true;
        }
        catch (IOException | RuntimeException e)
        {
            Report.line(Report.failure("HANDSHAKE", "client", connection, e));
            return false;
        }
    }

    /** Writes one line and checks the answer (openssl s_server -rev answers with the line reversed). */
    private static boolean echo(int connection, ClientProtocol protocol, PeerOptions options)
    {
        String mode = options.text("echo", "same");
        String message = options.text("message", "hello from the bc peer, connection " + connection);
        try
        {
            OutputStream output = protocol.getOutputStream();
            output.write((message + "\n").getBytes(StandardCharsets.UTF_8));
            output.flush();
            if (mode.equals("none"))
            {
                return true;
            }

            BufferedReader reader = new BufferedReader(new InputStreamReader(protocol.getInputStream(), StandardCharsets.UTF_8));
            String expected = mode.equals("reversed") ? new StringBuilder(message).reverse().toString() : message;
            String answer = reader.readLine();
            if (!expected.equals(answer))
            {
                Report.line("ECHO failed role=client connection=" + connection + " error=unexpected_answer:" + answer);
                return false;
            }

            Report.line("ECHO ok role=client connection=" + connection + " bytes=" + (answer.length() + 1));
            return true;
        }
        catch (IOException | RuntimeException e)
        {
            Report.line(Report.failure("ECHO", "client", connection, e));
            return false;
        }
    }
}
