using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace SmartEmail.Engine.Tests.Fuzz;

/// <summary>
/// The fuzz tests run alone, after the other tests, so that their time and memory figures are their own and a
/// process-wide memory check is not disturbed by a test running beside them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "Fuzz";
}

/// <summary>
/// Runs generated cases against one engine function and checks the invariants every case shares: no exception other
/// than the ones the function documents, bounded time per case, bounded allocation per case, no memory kept between
/// batches. Cases are deterministic: case <c>i</c> of seed <c>s</c> is made from <c>new Random(Mix(target, s, i))</c>,
/// so a failure message names the seed and the case, and <c>SMARTEMAIL_FUZZ_SEED=s SMARTEMAIL_FUZZ_CASE=i</c> replays
/// exactly that case. <c>SMARTEMAIL_FUZZ_CASES=n</c> runs n cases per test instead of the default (more for a long
/// local run, fewer for a quick one); <c>SMARTEMAIL_FUZZ_SEED</c> may also list several seeds, comma-separated.
/// </summary>
internal static class FuzzRunner
{
    public const int DefaultSeed = 20261126;
    public const string SeedVariable = "SMARTEMAIL_FUZZ_SEED";
    public const string CasesVariable = "SMARTEMAIL_FUZZ_CASES";
    public const string CaseVariable = "SMARTEMAIL_FUZZ_CASE";

    /// <summary>Windows' default thread stack: deep recursion that fits Linux's larger stacks must fit this too.</summary>
    private const int StackSize = 1024 * 1024;

    /// <summary>A case still running after this long is reported as a hang (its thread is left behind).</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);

    private const int BatchSize = 250;

    /// <summary>Retained managed memory may grow by at most this much over a whole run (a leak check, not a budget).</summary>
    private const long RetainedLimit = 256L * 1024 * 1024;

    public static int[] Seeds()
    {
        var text = Environment.GetEnvironmentVariable(SeedVariable);
        if (string.IsNullOrWhiteSpace(text))
            return new[] { DefaultSeed };
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    }

    public static IReadOnlyList<int> CaseIndexes(int defaultCount)
    {
        var one = Environment.GetEnvironmentVariable(CaseVariable);
        if (!string.IsNullOrWhiteSpace(one))
            return new[] { int.Parse(one, CultureInfo.InvariantCulture) };
        var count = Environment.GetEnvironmentVariable(CasesVariable);
        var n = string.IsNullOrWhiteSpace(count) ? defaultCount : int.Parse(count, CultureInfo.InvariantCulture);
        return Enumerable.Range(0, n).ToArray();
    }

    /// <summary>The random source of one case: stable across runs and platforms for the same target, seed and index.</summary>
    public static Random RandomFor(string target, int seed, int index)
    {
        // string.GetHashCode is randomised per process, so the target name is hashed by hand (FNV-1a).
        var hash = 2166136261u;
        foreach (var c in target)
            hash = (hash ^ c) * 16777619u;
        return new Random(unchecked((int)hash ^ seed * 7919 ^ index * 104729));
    }

    /// <summary>
    /// Generates and checks every case of every seed. <paramref name="check"/> throws (an assertion, or whatever the
    /// engine threw that it does not document) to fail a case; the failure is collected with its seed and case, the
    /// run goes on, and the test fails at the end listing the first failures.
    /// </summary>
    public static FuzzStats Run<T>(ITestOutputHelper output, string target, int defaultCases, Func<Random, int, T> generate,
        Func<T, string> describe, Action<T> check, TimeSpan perCaseLimit, Func<T, long> allocationLimit)
    {
        var stats = new FuzzStats(target);
        var failures = new List<string>();
        var seeds = Seeds();
        var indexes = CaseIndexes(defaultCases);
        string current = "(none)";
        var caseStarted = Stopwatch.StartNew();
        var running = 0;
        Exception? crashed = null;

        var worker = new Thread(() =>
        {
            try
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var baseline = GC.GetTotalMemory(true);
                var total = Stopwatch.StartNew();
                foreach (var seed in seeds)
                {
                    var inBatch = 0;
                    foreach (var index in indexes)
                    {
                        var where = $"{target} seed {seed} case {index}";
                        Volatile.Write(ref current, where);
                        T input;
                        try
                        {
                            input = generate(RandomFor(target, seed, index), index);
                        }
                        catch (Exception e)
                        {
                            failures.Add($"{where}: the generator failed: {e}");
                            continue;
                        }
                        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                        caseStarted.Restart();
                        Volatile.Write(ref running, 1);
                        string? failure = null;
                        try
                        {
                            check(input);
                        }
                        catch (Exception e)
                        {
                            failure = e is Xunit.Sdk.XunitException ? e.Message : e.ToString();
                        }
                        Volatile.Write(ref running, 0);
                        var elapsed = caseStarted.Elapsed;
                        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                        stats.Add(where, describe(input), elapsed, allocated);
                        if (failure == null && elapsed > perCaseLimit)
                            failure = $"took {elapsed.TotalMilliseconds:0} ms, more than the {perCaseLimit.TotalMilliseconds:0} ms a case may take";
                        var limit = allocationLimit(input);
                        if (failure == null && allocated > limit)
                            failure = $"allocated {allocated / 1024 / 1024} MB, more than the {limit / 1024 / 1024} MB a case of this size may";
                        if (failure != null && failures.Count < 20)
                            failures.Add($"{where} ({describe(input)}): {failure}");
                        if (++inBatch % BatchSize == 0)
                            stats.Retained(GC.GetTotalMemory(true) - baseline);
                    }
                }
                stats.Finish(total.Elapsed, GC.GetTotalMemory(true) - baseline, Process.GetCurrentProcess().PeakWorkingSet64);
            }
            catch (Exception e)
            {
                crashed = e;
            }
        }, StackSize) { IsBackground = true, Name = "fuzz " + target };

        worker.Start();
        while (!worker.Join(100))
        {
            if (Volatile.Read(ref running) == 1 && caseStarted.Elapsed > HangLimit)
            {
                Assert.Fail($"{Volatile.Read(ref current)} has run for more than {HangLimit.TotalSeconds:0} s: a hang. " +
                    $"Replay it with {SeedVariable}=<seed> {CaseVariable}=<case>.");
            }
        }
        if (crashed != null)
            Assert.Fail($"the fuzz run of {target} itself failed during {current}: {crashed}");
        output.WriteLine(stats.ToString());
        if (failures.Count != 0)
        {
            Assert.Fail($"{failures.Count} of {stats.Cases} cases failed (first ones listed). Replay one with " +
                $"{SeedVariable}=<seed> {CaseVariable}=<case>:{Environment.NewLine}" + string.Join(Environment.NewLine, failures));
        }
        Assert.True(stats.RetainedGrowth < RetainedLimit,
            $"{target}: managed memory kept after the run grew by {stats.RetainedGrowth / 1024 / 1024} MB over {stats.Cases} cases: something is kept alive between cases.");
        return stats;
    }
}

/// <summary>Figures of one fuzz run, for the test output and docs/reliability.md.</summary>
internal sealed class FuzzStats
{
    private readonly string _target;

    public FuzzStats(string target) => _target = target;

    public int Cases { get; private set; }
    public TimeSpan Total { get; private set; }
    public TimeSpan Max { get; private set; }
    public string MaxCase { get; private set; } = string.Empty;
    public long MaxAllocated { get; private set; }
    public string MaxAllocatedCase { get; private set; } = string.Empty;
    public long RetainedGrowth { get; private set; }
    public long MaxRetained { get; private set; }
    public long PeakWorkingSet { get; private set; }

    public void Add(string where, string description, TimeSpan elapsed, long allocated)
    {
        Cases++;
        if (elapsed > Max)
        {
            Max = elapsed;
            MaxCase = $"{where} ({description})";
        }
        if (allocated > MaxAllocated)
        {
            MaxAllocated = allocated;
            MaxAllocatedCase = $"{where} ({description})";
        }
    }

    public void Retained(long bytes) => MaxRetained = Math.Max(MaxRetained, bytes);

    public void Finish(TimeSpan total, long retained, long peakWorkingSet)
    {
        Total = total;
        RetainedGrowth = retained;
        Retained(retained);
        PeakWorkingSet = peakWorkingSet;
    }

    public override string ToString()
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"FUZZ {_target}: {Cases} cases in {Total.TotalSeconds:0.00} s ");
        s.Append(CultureInfo.InvariantCulture, $"({(Total.TotalSeconds > 0 ? Cases / Total.TotalSeconds : 0):0} cases/s); ");
        s.Append(CultureInfo.InvariantCulture, $"slowest {Max.TotalMilliseconds:0.0} ms [{MaxCase}]; ");
        s.Append(CultureInfo.InvariantCulture, $"most allocated {MaxAllocated / 1024.0 / 1024.0:0.0} MB [{MaxAllocatedCase}]; ");
        s.Append(CultureInfo.InvariantCulture, $"retained growth {RetainedGrowth / 1024.0 / 1024.0:0.0} MB (max {MaxRetained / 1024.0 / 1024.0:0.0} MB); ");
        s.Append(CultureInfo.InvariantCulture, $"peak working set {PeakWorkingSet / 1024 / 1024} MB");
        return s.ToString();
    }
}
