using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace SmartEmail.Events
{
    /// <summary>
    /// Submits OpCon events through MSGIN files or the OpCon REST API, and logs them with the password masked. It never
    /// reports an event as submitted unless it was written (MSGIN) or accepted with a 2xx answer (API).
    /// </summary>
    public sealed class EventSubmitter : IDisposable
    {
        private readonly EventSubmitOptions _options;
        private readonly MsgInWriter? _msgIn;
        // The REST client is a type of its own so that an MSGIN run never loads System.Net.Http.
        private OpConApiClient? _api;

        /// <summary>Creates the submitter and checks that its target is usable.</summary>
        /// <exception cref="EventSubmitException">MSGIN is missing, credentials are missing, or the API URL is not set.</exception>
        public EventSubmitter(EventSubmitOptions options)
        {
            _options = options;
            if (options.Transport == EventTransport.MsgIn)
            {
                if (string.IsNullOrEmpty(options.MsgInDirectory))
                    throw new EventSubmitException(EventErrorKind.MsgInDirectoryMissing, "No MSGIN folder is set: set [General] MSGINDirectory.") { Setting = "[General] MSGINDirectory" };
                if (options.OpConCredential == null)
                    throw new EventSubmitException(EventErrorKind.CredentialMissing, "No OpCon user is set, and OpCon accepts external events only with a user and its external event password: set [General] OpConUser and OpConUserPassword.") { Setting = "[General] OpConUser" };
                _msgIn = new MsgInWriter(options.MsgInDirectory!, options.MsgInEncoding);
                _msgIn.CheckDirectory(); // the work folder is made when the first event is written, so -WhatIf creates nothing
            }
            else
            {
                if (options.ApiUrl == null)
                    throw new EventSubmitException(EventErrorKind.ApiUrlMissing, "Transport is Api but no API URL is set: set [OpCon] ApiUrl.") { Setting = "[OpCon] ApiUrl" };
                if (options.ApiToken == null && options.ApiCredential == null)
                    throw new EventSubmitException(EventErrorKind.CredentialMissing, "Transport is Api but neither an API token nor an API user is set: set [OpCon] ApiToken, or ApiUser and ApiPassword.") { Setting = "[OpCon] ApiUser" };
            }
        }

        /// <summary>The event as it would be submitted, the password masked (for -WhatIf and logs).</summary>
        /// <exception cref="EventSubmitException">The event is invalid.</exception>
        public string Preview(string @event)
        {
            if (_options.Transport == EventTransport.Api)
            {
                return Mask(ForApi(@event));
            }
            var credential = _options.OpConCredential!;
            return EventText.Masked(EventText.WithCredentials(@event, credential.UserName, credential.Password, out _), credential.Password);
        }

        /// <summary>Submits one event.</summary>
        /// <exception cref="EventSubmitException">The event is invalid, or it could not be submitted.</exception>
        public SubmittedEvent Submit(string @event, string rule = "", string messageId = "", CancellationToken cancellationToken = default)
        {
            SubmittedEvent submitted;
            if (_options.Transport == EventTransport.MsgIn)
            {
                var credential = _options.OpConCredential!;
                var line = EventText.WithCredentials(@event, credential.UserName, credential.Password, out _);
                var file = _msgIn!.Write(line);
                submitted = new SubmittedEvent(EventText.Masked(line, credential.Password), EventTransport.MsgIn, file, rule, messageId);
            }
            else
            {
                var apiEvent = ForApi(@event);
                (_api ??= new OpConApiClient(_options)).PostEvent(apiEvent, cancellationToken);
                submitted = new SubmittedEvent(Mask(apiEvent), EventTransport.Api, null, rule, messageId);
            }
            Log(submitted.Event);
            return submitted;
        }

        /// <summary>
        /// The event as the API gets it: checked, with every known password masked in any error, and without trailing
        /// OpCon credentials (the API authenticates with its token; a password in the event string would travel for nothing).
        /// </summary>
        private string ForApi(string @event)
        {
            try
            {
                EventText.Check(@event);
            }
            catch (EventSubmitException e)
            {
                throw new EventSubmitException(e.Kind, Mask(e.Message)); // no inner exception: its message is unmasked
            }
            var credential = _options.OpConCredential;
            if (credential != null && credential.Password.Length != 0)
            {
                var suffix = "," + credential.UserName + "," + credential.Password;
                if (@event.EndsWith(suffix, StringComparison.Ordinal))
                    return @event.Substring(0, @event.Length - suffix.Length);
            }
            return @event;
        }

        /// <summary>Text with every password this submitter knows masked (for error targets and messages).</summary>
        public string Mask(string text)
        {
            var masked = EventText.Masked(text, _options.OpConCredential?.Password ?? string.Empty);
            masked = EventText.Masked(masked, _options.ApiCredential?.Password ?? string.Empty);
            return _options.ApiToken == null ? masked : EventText.Masked(masked, _options.ApiToken);
        }

        /// <summary>Whether events go through MSGIN files, where a run can make their delivery exactly-once.</summary>
        public bool IsMsgIn => _options.Transport == EventTransport.MsgIn;

        /// <summary>MSGIN only: writes the event's file into the work folder (see <see cref="MsgInWriter.Prepare"/>) and returns its path.</summary>
        /// <exception cref="EventSubmitException">The event is invalid or cannot be written.</exception>
        public string Prepare(string @event)
        {
            var credential = _options.OpConCredential!;
            return _msgIn!.Prepare(EventText.WithCredentials(@event, credential.UserName, credential.Password, out _));
        }

        /// <summary>MSGIN only: moves a prepared file into MSGIN (nothing when it was moved before) and logs the event.</summary>
        /// <exception cref="EventSubmitException">The move failed.</exception>
        public SubmittedEvent Commit(string prepared, string @event, string rule, string messageId)
        {
            var credential = _options.OpConCredential!;
            var file = _msgIn!.Commit(prepared);
            var line = EventText.WithCredentials(@event, credential.UserName, credential.Password, out _);
            var submitted = new SubmittedEvent(EventText.Masked(line, credential.Password), EventTransport.MsgIn, file, rule, messageId);
            Log(submitted.Event);
            return submitted;
        }

        /// <summary>The work folder of MSGIN files, or null for the API.</summary>
        public string? WorkDirectory => _msgIn?.WorkDirectory;

        /// <summary>Whether the event already ends with the configured credentials (they are not appended twice).</summary>
        public bool HasCredentials(string @event)
        {
            var credential = _options.OpConCredential;
            if (credential == null || _options.Transport != EventTransport.MsgIn)
                return false;
            EventText.WithCredentials(@event, credential.UserName, credential.Password, out var already);
            return already;
        }

        /// <inheritdoc/>
        public void Dispose() => _api?.Dispose();

        private void Log(string maskedEvent)
        {
            if (!_options.LogEvents || string.IsNullOrEmpty(_options.LogFile))
                return;
            var text = Formatting.ValueFormatter.Text.Format(_options.LogFormat,
                name => string.Equals(name, "EVENT", StringComparison.OrdinalIgnoreCase) ? maskedEvent : null, Formatting.ValueDestination.LogLine).Text;
            try
            {
                LogFile.Append(_options.LogFile!, text);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new EventSubmitException(EventErrorKind.EventLogFailed, $"The event was submitted, but the event log '{_options.LogFile}' cannot be written: {e.Message}", e);
            }
        }
    }
}
