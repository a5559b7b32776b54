package tlsgw.bcpeer;

import java.io.OutputStream;

import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.io.SignerOutputStream;
import org.bouncycastle.tls.crypto.Tls13Verifier;

/** A {@link Tls13Verifier} over any BC {@link Signer} (BC's own BcTls13Verifier is package-private). */
final class SignerTls13Verifier implements Tls13Verifier
{
    private final Signer _signer;
    private final SignerOutputStream _output;

    SignerTls13Verifier(Signer signer)
    {
        _signer = signer;
        _output = new SignerOutputStream(signer);
    }

    @Override
    public OutputStream getOutputStream()
    {
        return _output;
    }

    @Override
    public boolean verifySignature(byte[] signature)
    {
        return _signer.verifySignature(signature);
    }
}
