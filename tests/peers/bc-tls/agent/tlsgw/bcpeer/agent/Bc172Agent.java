package tlsgw.bcpeer.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.TlsPSK;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * A -javaagent that patches four spots of Bouncy Castle 1.72's TLS classes as they are loaded, so that
 * BC can be an RFC 8998 peer that also resumes sessions with tickets (RFC 8446 §2.2). Nothing else in
 * Bouncy Castle changes. Each applied patch is listed in the system property {@value #APPLIED}; the peer
 * programs refuse to start without all four, because the JVM silently ignores a transformer that fails.
 *
 * <ol>
 * <li>{@code prf-sm3}: {@code TlsUtils.getHashAlgorithmForPRFAlgorithm(int)} has no case for
 * {@code PRFAlgorithm.tls13_hkdf_sm3} (7), so negotiating TLS_SM4_GCM_SM3 / TLS_SM4_CCM_SM3 (RFC 8998 §2)
 * dies with "unknown PRFAlgorithm". The method now answers 7 for it: SM3 in {@code CryptoHashAlgorithm}
 * (the TLS HashAlgorithm registry has no SM3). BC 1.72 only stores the answer in the deprecated
 * {@code SecurityParameters.prfHashAlgorithm}, which nothing in bctls reads; the key schedule uses
 * {@code TlsCryptoUtils.getHashForPRF}, which knows SM3 already.</li>
 * <li>{@code res-binder}: {@code TlsUtils.calculatePSKBinder(crypto, isExternalPSK, ...)} is only ever
 * called with {@code isExternalPSK = true}, since BC 1.72 knows external PSKs only. The peers offer and
 * accept nothing but tickets, whose binder key is Derive-Secret(early_secret, "res binder", "")
 * (RFC 8446 §7.1), so the flag is forced to false.</li>
 * <li>{@code psk-identity-match}: {@code OfferedPsks.getIndexOfIdentity} finds the server's chosen PSK
 * with {@code PskIdentity.equals}, which also compares obfuscated_ticket_age, and BC looks up
 * (identity, age 0). A client resuming with a ticket sends its real obfuscated age (RFC 8446 §4.2.11), so
 * the lookup now compares the identity only.</li>
 * <li>{@code ticket-age}: {@code TlsUtils.addPreSharedKeyToClientExtensions} writes
 * obfuscated_ticket_age 0 for every PSK. A PSK object that is also a {@link LongSupplier} now supplies its
 * own (the peer's ticket: ticket age in ms + ticket_age_add, mod 2^32).</li>
 * </ol>
 */
public final class Bc172Agent
{
    /** The system property listing the patches applied so far, comma-separated. */
    public static final String APPLIED = "tlsgw.bc172.patches";

    private static final String TLS_UTILS = "org/bouncycastle/tls/TlsUtils";
    private static final String OFFERED_PSKS = "org/bouncycastle/tls/OfferedPsks";
    private static final String SELF = "tlsgw/bcpeer/agent/Bc172Agent";
    private static final Set<String> s_applied = new TreeSet<>();

    private Bc172Agent()
    {
    }

    public static void premain(String arguments, Instrumentation instrumentation)
    {
        instrumentation.addTransformer(new Transformer());
    }

    /** Replaces {@code PskIdentity.equals} in OfferedPsks.getIndexOfIdentity: same identity bytes, any age. */
    public static boolean sameIdentity(PskIdentity offered, Object wanted)
    {
        return wanted instanceof PskIdentity other && Arrays.equals(offered.getIdentity(), other.getIdentity());
    }

    /** Replaces the constant 0 of obfuscated_ticket_age for PSKs that know their own. */
    public static long obfuscatedTicketAge(TlsPSK psk)
    {
        return psk instanceof LongSupplier ticket ? ticket.getAsLong() & 0xFFFFFFFFL : 0L;
    }

    private static synchronized void applied(String patch)
    {
        s_applied.add(patch);
        System.setProperty(APPLIED, String.join(",", s_applied));
    }

    private static final class Transformer implements ClassFileTransformer
    {
        @Override
        public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes)
        {
            if (!TLS_UTILS.equals(className) && !OFFERED_PSKS.equals(className))
            {
                return null;
            }

            try
            {
                ClassReader reader = new ClassReader(bytes);
                // No COMPUTE_FRAMES: that would load BC classes from inside the transformer. The one branch
                // added below carries its own frame; every other patch leaves the control flow alone.
                ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
                reader.accept(new PatchingVisitor(writer), 0);
                return writer.toByteArray();
            }
            catch (RuntimeException e)
            {
                System.err.println("bc172-agent: cannot patch " + className + ": " + e);
                return null;
            }
        }
    }

    private static final class PatchingVisitor extends ClassVisitor
    {
        private String _className;

        PatchingVisitor(ClassVisitor next)
        {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces)
        {
            _className = name;
            super.visit(version, access, name, signature, superName, interfaces);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions)
        {
            MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
            String method = _className + "." + name + descriptor;
            return switch (method)
            {
                case TLS_UTILS + ".getHashAlgorithmForPRFAlgorithm(I)S" -> new Sm3PrfPatch(next);
                case TLS_UTILS + ".calculatePSKBinder(Lorg/bouncycastle/tls/crypto/TlsCrypto;ZILorg/bouncycastle/tls/crypto/TlsSecret;[B)[B" ->
                    new ResumptionBinderPatch(next);
                case OFFERED_PSKS + ".getIndexOfIdentity(Lorg/bouncycastle/tls/PskIdentity;)I" -> new IdentityMatchPatch(next);
                case TLS_UTILS + ".addPreSharedKeyToClientExtensions([Lorg/bouncycastle/tls/TlsPSK;Ljava/util/Hashtable;)V" ->
                    new TicketAgePatch(next);
                default -> next;
            };
        }
    }

    /** Prepends {@code if (prfAlgorithm == tls13_hkdf_sm3) return CryptoHashAlgorithm.sm3;}. */
    private static final class Sm3PrfPatch extends MethodVisitor
    {
        private static final int TLS13_HKDF_SM3 = 7;
        private static final int CRYPTO_HASH_SM3 = 7;

        Sm3PrfPatch(MethodVisitor next)
        {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visitCode()
        {
            super.visitCode();
            org.objectweb.asm.Label original = new org.objectweb.asm.Label();
            super.visitVarInsn(Opcodes.ILOAD, 0);
            super.visitIntInsn(Opcodes.BIPUSH, TLS13_HKDF_SM3);
            super.visitJumpInsn(Opcodes.IF_ICMPNE, original);
            super.visitIntInsn(Opcodes.BIPUSH, CRYPTO_HASH_SM3);
            super.visitInsn(Opcodes.IRETURN);
            super.visitLabel(original);
            // Same locals as on entry (the int argument) and an empty stack, so the original frames still hold.
            super.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            applied("prf-sm3");
        }
    }

    /** Prepends {@code isExternalPSK = false;} (argument slot 1 of the static method). */
    private static final class ResumptionBinderPatch extends MethodVisitor
    {
        ResumptionBinderPatch(MethodVisitor next)
        {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visitCode()
        {
            super.visitCode();
            super.visitInsn(Opcodes.ICONST_0);
            super.visitVarInsn(Opcodes.ISTORE, 1);
            applied("res-binder");
        }
    }

    /** {@code offered.equals(wanted)} becomes {@code Bc172Agent.sameIdentity(offered, wanted)}: same stack shape. */
    private static final class IdentityMatchPatch extends MethodVisitor
    {
        IdentityMatchPatch(MethodVisitor next)
        {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface)
        {
            if (opcode == Opcodes.INVOKEVIRTUAL && owner.equals("org/bouncycastle/tls/PskIdentity") && name.equals("equals"))
            {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, SELF, "sameIdentity",
                    "(Lorg/bouncycastle/tls/PskIdentity;Ljava/lang/Object;)Z", false);
                applied("psk-identity-match");
                return;
            }

            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
        }
    }

    /**
     * In {@code new PskIdentity(psk.getIdentity(), 0L)}, the {@code 0L} becomes
     * {@code Bc172Agent.obfuscatedTicketAge(psk)}, with psk reloaded from the local it was loaded from.
     */
    private static final class TicketAgePatch extends MethodVisitor
    {
        private int _lastLoadedReference = -1;
        private int _pskAfterGetIdentity = -1;

        TicketAgePatch(MethodVisitor next)
        {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visitVarInsn(int opcode, int variable)
        {
            _lastLoadedReference = opcode == Opcodes.ALOAD ? variable : -1;
            _pskAfterGetIdentity = -1;
            super.visitVarInsn(opcode, variable);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface)
        {
            boolean getIdentity = opcode == Opcodes.INVOKEINTERFACE && owner.equals("org/bouncycastle/tls/TlsPSK")
                && name.equals("getIdentity");
            _pskAfterGetIdentity = getIdentity ? _lastLoadedReference : -1;
            _lastLoadedReference = -1;
            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
        }

        @Override
        public void visitInsn(int opcode)
        {
            if (opcode == Opcodes.LCONST_0 && _pskAfterGetIdentity >= 0)
            {
                super.visitVarInsn(Opcodes.ALOAD, _pskAfterGetIdentity);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, SELF, "obfuscatedTicketAge", "(Lorg/bouncycastle/tls/TlsPSK;)J", false);
                _pskAfterGetIdentity = -1;
                applied("ticket-age");
                return;
            }

            _lastLoadedReference = -1;
            _pskAfterGetIdentity = -1;
            super.visitInsn(opcode);
        }
    }
}
