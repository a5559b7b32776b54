using System.Diagnostics;

namespace TlsGateway.Tests.Shared;

/// <summary>
/// A mutation fuzzer for the parsers that face the network or an operator: it takes valid seed
/// inputs, applies a few random mutations (bit flips, interesting bytes, inserts, deletes,
/// duplicated or spliced ranges, truncation) and feeds the result to the target, for a bounded
/// time. The target may accept or refuse the input; refusing it any way but the expected one
/// (an exception the caller did not list) is a finding, reported with the input and the seed
/// that reproduces it. The suite runs each target for TLSGW_FUZZ_SECONDS (default 2 s); a long run
/// is the same tests with a larger value, and TLSGW_FUZZ_SEED replays one (CI=true uses a fixed one).
/// </summary>
public static class Fuzzer
{
    private const int CiSeed = 20_261_124;

    private static readonly byte[] s_interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x30, 0x0a, 0x3a, 0x2d, 0x22];

    public static TimeSpan Budget => TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("TLSGW_FUZZ_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double seconds)
            ? seconds : 2);

    /// <summary>Runs <paramref name="target"/> on mutants of <paramref name="seeds"/> until the budget is spent; returns how many ran.</summary>
    /// <param name="expected">The exceptions that mean "refused as it should be".</param>
    public static int Run(IReadOnlyList<byte[]> seeds, Action<byte[]> target, Func<Exception, bool> expected)
    {
        // CI replays one fixed sequence, so a red build is the code's doing and reproducible;
        // everywhere else each run explores a new one.
        int seed = int.TryParse(Environment.GetEnvironmentVariable("TLSGW_FUZZ_SEED"), out int given) ? given
            : Environment.GetEnvironmentVariable("CI") == "true" ? CiSeed : Random.Shared.Next();
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        int runs = 0;
        while (clock.Elapsed < Budget || runs < seeds.Count)
        {
            byte[] input = runs < seeds.Count ? seeds[runs] : Mutate(seeds[random.Next(seeds.Count)], seeds, random);
            try
            {
                target(input);
            }
            catch (Exception e) when (expected(e))
            {
                // Refused the way it should be.
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"fuzz finding after {runs} inputs (replay with TLSGW_FUZZ_SEED={seed}): {e.GetType().Name}: {e.Message}\ninput (base64): {Convert.ToBase64String(input)}", e);
            }

            runs++;
        }

        return runs;
    }

    private static byte[] Mutate(byte[] original, IReadOnlyList<byte[]> seeds, Random random)
    {
        var data = new List<byte>(original);
        int mutations = 1 + random.Next(4);
        for (int i = 0; i < mutations; i++)
        {
            int at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(8))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = s_interesting[random.Next(s_interesting.Length)];
                    break;
                case 2 when data.Count > 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 3:
                    data.InsertRange(at, Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256)));
                    break;
                case 4 when data.Count > 1:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                    break;
                case 5 when data.Count > 1:
                    int length = Math.Min(data.Count - at, 1 + random.Next(32));
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
                case 6 when data.Count > 1:
                    data.RemoveRange(at, data.Count - at); // truncation
                    break;
                case 7:
                    byte[] other = seeds[random.Next(seeds.Count)];
                    if (other.Length > 0)
                    {
                        int from = random.Next(other.Length);
                        data.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + random.Next(64))).ToArray());
                    }

                    break;
            }
        }

        return [.. data];
    }
}
