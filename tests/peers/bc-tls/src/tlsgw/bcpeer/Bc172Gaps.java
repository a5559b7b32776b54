package tlsgw.bcpeer;

import java.util.Set;
import java.util.TreeSet;
import java.util.Vector;

import org.bouncycastle.tls.OfferedPsks;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;

/**
 * Start-up check that the -javaagent (agent/, Bc172Agent) patched Bouncy Castle 1.72: the JVM ignores a
 * transformer that fails, and a peer without the patches would fail later and less clearly.
 */
final class Bc172Gaps
{
    private static final String APPLIED = "tlsgw.bc172.patches";
    private static final Set<String> REQUIRED = Set.of("prf-sm3", "res-binder", "psk-identity-match", "ticket-age");

    private Bc172Gaps()
    {
    }

    @SuppressWarnings("deprecation")
    static void requireAgent()
    {
        try
        {
            // Loads (and so transforms) TlsUtils and OfferedPsks, and tries two of the patches.
            short prfHash = TlsUtils.getHashAlgorithmForPRFAlgorithm(PRFAlgorithm.tls13_hkdf_sm3);
            Vector<PskIdentity> offered = new Vector<>();
            offered.add(new PskIdentity(new byte[] { 1 }, 12345));
            int index = new OfferedPsks(offered).getIndexOfIdentity(new PskIdentity(new byte[] { 1 }, 0));
            Set<String> applied = new TreeSet<>(Set.of(System.getProperty(APPLIED, "").split(",")));
            if (prfHash != CryptoHashAlgorithm.sm3 || index != 0 || !applied.containsAll(REQUIRED))
            {
                throw new IllegalStateException("Bouncy Castle is not fully patched (applied: " + applied + ")");
            }
        }
        catch (IllegalArgumentException e)
        {
            throw new IllegalStateException("run with -javaagent:build/bc172-agent.jar (" + e.getMessage() + ")");
        }
    }
}
