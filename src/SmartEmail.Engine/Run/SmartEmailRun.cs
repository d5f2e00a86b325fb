using System;
using System.Globalization;
using System.IO;
using System.Threading;
using SmartEmail.Ini;

namespace SmartEmail.Run
{
    /// <summary>
    /// The INI-compatible run, composed of the same engine operations the cmdlets expose: read (MailSource), match
    /// (RuleEngine), submit (EventSubmitter), save (MessageStore), remove (MailSource.Delete). Around the exactly-once
    /// <see cref="MessageProcessor"/> it holds the INI's lock, sweeps what interrupted saves left, notices a LastRunDate
    /// set back by hand, and writes LastRunDate back into the INI.
    /// </summary>
    public sealed class SmartEmailRun
    {
        private readonly Configuration _config;
        private readonly RunOptions _options;
        private readonly IEngineLog _log;
        private readonly Func<RunServices> _services;
        private readonly IStateStore _store;

        /// <summary>Creates a run of a configuration that has no errors.</summary>
        public SmartEmailRun(Configuration configuration, RunOptions options, IEngineLog log)
            : this(configuration, options, log, () => RunServices.Create(configuration, options, log), null)
        {
        }

        /// <summary>A run over the given services (made when the run starts, under its lock) and state store.</summary>
        internal SmartEmailRun(Configuration configuration, RunOptions options, IEngineLog log, Func<RunServices> services, IStateStore? store)
        {
            _config = configuration;
            _options = options;
            _log = log;
            _services = services;
            _store = store ?? new FileStateStore(StatePath);
        }

        /// <summary>The state file: [General] StateFile, else "&lt;INI&gt;.state.json" beside the INI.</summary>
        public string StatePath => _config.General.StateFile ?? _config.Path + ".state.json";

        /// <summary>Runs once and reports what happened; failures are in the result (exit code 2), never thrown.</summary>
        public RunResult Execute(CancellationToken cancellationToken)
        {
            var result = new RunResult { Started = DateTimeOffset.Now, WhatIf = _options.WhatIf };
            var report = new RunReport();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                using (_options.WhatIf ? null : AcquireLock(cancellationToken))
                    RunLocked(report, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                report.Errors.Add("The run was stopped.");
            }
            catch (SmartEmailException e)
            {
                report.Errors.Add(e.Message);
            }
            catch (IOException e)
            {
                report.Errors.Add(e.Message);
            }
            catch (UnauthorizedAccessException e)
            {
                report.Errors.Add(e.Message);
            }
            report.Fill(result);
            result.ExitCode = result.Errors.Length != 0 ? 2 : result.Accepted != 0 ? 0 : _config.General.ExitCodeForNoMatchingEmails;
            result.Duration = clock.Elapsed;
            return result;
        }

        private void RunLocked(RunReport report, CancellationToken cancellationToken)
        {
            if (!_options.WhatIf)
            {
                RemoveStaleTemporaryFiles(_config.Path);
                RemoveStaleTemporaryFiles(StatePath);
            }
            var state = RunState.Load(_store);
            using (var services = _services())
            {
                if (services.DryRunProblem != null)
                    report.Errors.Add(services.DryRunProblem);
                var general = _config.General;
                var reprocess = general.UseLastRunDate && general.LastRunDate.HasValue && state.Data.LastRunDateWritten != null
                    && DateTimeOffset.TryParse(state.Data.LastRunDateWritten, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var written)
                    && general.LastRunDate.Value < written;
                if (reprocess)
                    _log.Warning($"LastRunDate ({general.LastRunDate}) was set back by hand: mail received since then is processed again, events included.");
                var options = new ProcessorOptions
                {
                    WhatIf = _options.WhatIf,
                    DeleteMode = _options.DeleteEmails ?? general.DeleteEmails,
                    MaxAttempts = general.MaxAttempts,
                    Since = general.UseLastRunDate ? general.LastRunDate : null,
                    Reprocess = reprocess,
                };
                var steps = new RunSteps(_config, services.Notifier, report, _options.WhatIf, _log);
                var processor = new MessageProcessor(services.Source, services.Sink, state, options, steps, report, services.Clock, _log);
                processor.Run(cancellationToken);
                var newest = processor.Newest;
                if (!_options.WhatIf && general.UseLastRunDate && newest.HasValue && (general.LastRunDate == null || newest > general.LastRunDate || reprocess))
                {
                    state.Data.LastRunDateWritten = WriteLastRunDate(newest.Value).ToString("o", CultureInfo.InvariantCulture);
                    state.Save();
                }
            }
        }

        /// <summary>Writes LastRunDate into the INI, in place, in the vendor's format, changing nothing else.</summary>
        private DateTimeOffset WriteLastRunDate(DateTimeOffset newest)
        {
            var local = newest.ToLocalTime();
            var document = IniDocument.Load(_config.Path);
            document.Set("General", "LastRunDate", local.ToString(LogFile.VendorDateFormat, CultureInfo.InvariantCulture));
            document.Save();
            // The INI keeps whole seconds; remember the same value, so a hand-set earlier date is told apart from ours.
            return new DateTimeOffset(local.Year, local.Month, local.Day, local.Hour, local.Minute, local.Second, local.Offset);
        }

        private IDisposable AcquireLock(CancellationToken cancellationToken)
        {
            var path = _config.Path + ".lock";
            var deadline = DateTime.UtcNow + _options.LockTimeout;
            while (true)
            {
                try
                {
                    return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    cancellationToken.WaitHandle.WaitOne(250);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                catch (IOException e)
                {
                    throw new SmartEmailException($"Another SmartEmail run on {_config.Path} has held its lock ({path}) for more than {_options.LockTimeout.TotalSeconds:0} s; this run did nothing.", e);
                }
            }
        }

        /// <summary>
        /// Removes the temporary files of atomic saves of <paramref name="path"/> (".name.&lt;guid&gt;.tmp") that a killed
        /// process left, once they are older than any save can take. Under the run's lock, so no run of this INI is saving.
        /// </summary>
        private void RemoveStaleTemporaryFiles(string path)
        {
            try
            {
                foreach (var file in AtomicFile.RemoveStaleTemporaryFiles(path))
                    _log.Verbose($"Removed {file}, left by an interrupted save.");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                _log.Warning($"Could not remove the temporary files an interrupted save left beside {path}: {e.Message}");
            }
        }
    }
}
