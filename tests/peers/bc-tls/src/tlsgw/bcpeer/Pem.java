package tlsgw.bcpeer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;

/** Reads the PEM files OpenSSL writes: certificates and PKCS#8 private keys (RFC 7468). */
final class Pem
{
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]+)-----END \\1-----");

    private Pem()
    {
    }

    /** Every CERTIFICATE block of the file, in order (a chain file lists the leaf first). */
    static List<Certificate> readCertificates(Path path) throws IOException
    {
        List<Certificate> certificates = new ArrayList<>();
        for (byte[] der : blocks(path, "CERTIFICATE"))
        {
            certificates.add(Certificate.getInstance(der));
        }

        if (certificates.isEmpty())
        {
            throw new IOException("no CERTIFICATE in " + path);
        }

        return certificates;
    }

    /** The PKCS#8 "PRIVATE KEY" of the file: `openssl genpkey` writes SM2 and EC keys this way. */
    static AsymmetricKeyParameter readPrivateKey(Path path) throws IOException
    {
        List<byte[]> keys = blocks(path, "PRIVATE KEY");
        if (keys.size() != 1)
        {
            throw new IOException("expected one PKCS#8 PRIVATE KEY in " + path + ", found " + keys.size());
        }

        return PrivateKeyFactory.createKey(keys.get(0));
    }

    private static List<byte[]> blocks(Path path, String label) throws IOException
    {
        String text = Files.readString(path, StandardCharsets.US_ASCII);
        List<byte[]> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(text);
        while (matcher.find())
        {
            if (matcher.group(1).equals(label))
            {
                blocks.add(Base64.getMimeDecoder().decode(matcher.group(2)));
            }
        }

        return blocks;
    }
}
