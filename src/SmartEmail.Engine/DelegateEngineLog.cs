using System;

namespace SmartEmail
{
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
}
