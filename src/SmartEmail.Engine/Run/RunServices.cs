using System;
using System.IO;
using SmartEmail.Events;
using SmartEmail.Mail;

namespace SmartEmail.Run
{
    /// <summary>What a run works with: its mailbox, where its events go, who sends its notices, and its clock.</summary>
    internal sealed class RunServices : IDisposable
    {
        public RunServices(MailSource source, IEventSink? sink, INoticeSender? notifier, IClock clock)
        {
            Source = source;
            Sink = sink;
            Notifier = notifier;
            Clock = clock;
        }

        public MailSource Source { get; }

        /// <summary>Null in a dry run.</summary>
        public IEventSink? Sink { get; }

        /// <summary>Null when no notice is on.</summary>
        public INoticeSender? Notifier { get; }

        public IClock Clock { get; }

        /// <summary>Problems a dry run found that a real run would stop at.</summary>
        public string? DryRunProblem { get; private set; }

        /// <summary>The real ones for an INI: the submitter its [General]/[OpCon] name, the mailbox of its [Mail], SMTP notices.</summary>
        /// <exception cref="SmartEmailException">One of them cannot be made (MSGIN missing, credentials that cannot be decrypted, no SmtpServer).</exception>
        public static RunServices Create(Configuration config, RunOptions options, IEngineLog log)
        {
            IEventSink? sink = null;
            string? problem = null;
            if (options.WhatIf)
            {
                if (config.OpCon.Transport != EventTransport.Api && !Directory.Exists(config.General.MsgInDirectory ?? string.Empty))
                    problem = $"The MSGIN folder '{config.General.MsgInDirectory}' does not exist; a real run would stop here.";
            }
            else
            {
                sink = new SubmitterSink(new EventSubmitter(EventSubmitOptions.From(config, options.OpConCredential)));
            }
            Notifier? notifier = null;
            try
            {
                var settings = MailboxSettings.From(config, options.MailCredential, options.Overrides);
                var notify = (config.General.SendAcceptedNotice ?? config.Audit.NotifyOnAccepts) || (config.General.SendRejectionNotice ?? config.Audit.NotifyOnRejects);
                notifier = notify ? new Notifier(config, settings, log) : null;
                return new RunServices(MailSource.Create(settings, log), sink, notifier, SystemClock.Instance) { DryRunProblem = problem };
            }
            catch
            {
                notifier?.Dispose();
                sink?.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Source.Dispose();
            Notifier?.Dispose();
            Sink?.Dispose();
        }
    }
}
