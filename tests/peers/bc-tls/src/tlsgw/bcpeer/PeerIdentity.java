package tlsgw.bcpeer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;

import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.crypto.TlsCertificate;

/** The peer's own certificate chain (leaf first) and private key, from PEM files. */
final class PeerIdentity
{
    private final List<org.bouncycastle.asn1.x509.Certificate> _chain;
    private final AsymmetricKeyParameter _key;

    private PeerIdentity(List<org.bouncycastle.asn1.x509.Certificate> chain, AsymmetricKeyParameter key)
    {
        _chain = chain;
        _key = key;
    }

    static PeerIdentity load(Path chainPem, Path keyPem) throws IOException
    {
        return new PeerIdentity(Pem.readCertificates(chainPem), Pem.readPrivateKey(keyPem));
    }

    AsymmetricKeyParameter key()
    {
        return _key;
    }

    /** The TLS 1.3 Certificate message content (RFC 8446 §4.4.2) with the given request context. */
    Certificate toTlsCertificate(ShangMiCrypto crypto, byte[] requestContext) throws IOException
    {
        CertificateEntry[] entries = new CertificateEntry[_chain.size()];
        for (int i = 0; i < entries.length; i++)
        {
            TlsCertificate certificate = crypto.createCertificate(_chain.get(i).getEncoded("DER"));
            entries[i] = new CertificateEntry(certificate, new Hashtable<>());
        }

        return new Certificate(requestContext, entries);
    }
}
