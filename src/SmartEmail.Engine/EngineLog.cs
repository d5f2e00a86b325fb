using System;

namespace SmartEmail
{
    /// <summary>
    /// How the engine reports what it is doing, without knowing PowerShell: the cmdlets turn these calls into
    /// Write-Verbose, Write-Warning and Write-Progress on the pipeline thread.
    /// </summary>
    public interface IEngineLog
    {
        /// <summary>A detail for -Verbose.</summary>
        void Verbose(string text);

        /// <summary>Something the admin should know, though the operation goes on.</summary>
        void Warning(string text);

        /// <summary>Progress of a long operation; <paramref name="total"/> is 0 when unknown.</summary>
        void Progress(string activity, string status, int done, int total);

        /// <summary>One item failed (a message that cannot be read); the operation goes on with the others.</summary>
        void Error(SmartEmailException error);
    }

    /// <summary>
    /// A log made of delegates. The cmdlet assembly uses it instead of implementing <see cref="IEngineLog"/> itself: a type
    /// there that implements an engine interface would need the engine at type-load time, before the module's private
    /// loader is hooked up.
    /// </summary>
    public sealed class DelegateEngineLog : IEngineLog
    {
        private readonly Action<string> _verbose;
        private readonly Action<string> _warning;
        private readonly Action<string, string, int, int> _progress;
        private readonly Action<SmartEmailException> _error;

        /// <summary>Creates the log.</summary>
        public DelegateEngineLog(Action<string> verbose, Action<string> warning, Action<string, string, int, int> progress, Action<SmartEmailException> error)
        {
            _verbose = verbose;
            _warning = warning;
            _progress = progress;
            _error = error;
        }

        /// <inheritdoc/>
        public void Verbose(string text) => _verbose(text);

        /// <inheritdoc/>
        public void Warning(string text) => _warning(text);

        /// <inheritdoc/>
        public void Progress(string activity, string status, int done, int total) => _progress(activity, status, done, total);

        /// <inheritdoc/>
        public void Error(SmartEmailException error) => _error(error);
    }

    /// <summary>A log that drops everything (tests and callers that do not care).</summary>
    public sealed class NullEngineLog : IEngineLog
    {
        /// <summary>The one instance.</summary>
        public static readonly NullEngineLog Instance = new NullEngineLog();

        /// <inheritdoc/>
        public void Verbose(string text) { }

        /// <inheritdoc/>
        public void Warning(string text) { }

        /// <inheritdoc/>
        public void Progress(string activity, string status, int done, int total) { }

        /// <inheritdoc/>
        public void Error(SmartEmailException error) { }
    }
}
