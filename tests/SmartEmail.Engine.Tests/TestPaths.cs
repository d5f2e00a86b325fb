namespace SmartEmail.Engine.Tests;

/// <summary>Locates the repository's fixtures and the shared MIME corpus from the test binaries.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Fixture(params string[] parts) => Path.Combine(new[] { RepoRoot, "tests", "fixtures" }.Concat(parts).ToArray());

    /// <summary>The MimeKit corpus in ../shared beside the checkout (as on developer machines and in CI).</summary>
    public static string Corpus { get; } = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpus", "mimekit"));

    public static IEnumerable<string> CorpusFiles()
    {
        if (!Directory.Exists(Corpus))
            throw new DirectoryNotFoundException($"The shared MIME corpus is missing at {Corpus}.");
        return Directory.GetFiles(Corpus, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("LICENSE", StringComparison.Ordinal) && !f.EndsWith("README.md", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SmartEmail.psd1")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("Cannot find the repository root (SmartEmail.psd1) above " + AppContext.BaseDirectory);
    }
}
