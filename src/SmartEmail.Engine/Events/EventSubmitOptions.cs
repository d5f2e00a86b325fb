using System;
using System.Net;

namespace SmartEmail.Events
{
    /// <summary>Where and as whom events are submitted.</summary>
    public sealed class EventSubmitOptions
    {
        /// <summary>MsgIn (default) or Api.</summary>
        public EventTransport Transport { get; set; } = EventTransport.MsgIn;
        /// <summary>The MSGIN folder.</summary>
        public string? MsgInDirectory { get; set; }
        /// <summary>ASCII, Windows-1252 or UTF-8.</summary>
        public string MsgInEncoding { get; set; } = "ASCII";
        /// <summary>The OpCon user and its external event password or token, appended to MSGIN events.</summary>
        public NetworkCredential? OpConCredential { get; set; }
        /// <summary>The REST API base URL.</summary>
        public Uri? ApiUrl { get; set; }
        /// <summary>An API token; when not set, one is requested for <see cref="ApiCredential"/>.</summary>
        public string? ApiToken { get; set; }
        /// <summary>The user that requests API tokens.</summary>
        public NetworkCredential? ApiCredential { get; set; }
        /// <summary>Accept a self-signed API certificate.</summary>
        public bool ApiAcceptSelfSigned { get; set; }
        /// <summary>Append each submitted event to <see cref="LogFile"/>.</summary>
        public bool LogEvents { get; set; }
        /// <summary>The event log.</summary>
        public string? LogFile { get; set; }
        /// <summary>The event log line; [[EVENT]] is the masked event.</summary>
        public string LogFormat { get; set; } = "Generated Event: [[EVENT]]";

        /// <summary>The options of an INI, with an OpCon credential that overrides its [General] OpConUser.</summary>
        /// <exception cref="EventSubmitException">The INI's credentials cannot be decrypted here.</exception>
        public static EventSubmitOptions From(Configuration configuration, NetworkCredential? opConCredential = null)
        {
            var g = configuration.General;
            var o = configuration.OpCon;
            string Plain(SecretState secret, string key)
            {
                try
                {
                    return secret.Raw == null ? string.Empty : Secrets.Unprotect(secret.Raw);
                }
                catch (SmartEmailException e)
                {
                    throw new EventSubmitException(EventErrorKind.CredentialEncrypted, $"{key} in {configuration.Path} cannot be used: {e.Message}", e);
                }
            }
            var opConUser = opConCredential == null && g.OpConUserState.IsSet ? Plain(g.OpConUserState, "[General] OpConUser") : g.OpConUser;
            return new EventSubmitOptions
            {
                Transport = o.Transport,
                MsgInDirectory = g.MsgInDirectory,
                MsgInEncoding = Ini.IniValues.Spelling(Ini.IniSchema.Get("General", "MsgInEncoding"), g.MsgInEncoding),
                OpConCredential = opConCredential ?? (opConUser.Length == 0 ? null : new NetworkCredential(opConUser, Plain(g.OpConUserPassword, "[General] OpConUserPassword"))),
                ApiUrl = o.ApiUrl == null ? null : new Uri(o.ApiUrl),
                ApiToken = o.ApiToken.IsSet ? Plain(o.ApiToken, "[OpCon] ApiToken") : null,
                ApiCredential = o.ApiUser == null ? null : new NetworkCredential(o.ApiUser, Plain(o.ApiPassword, "[OpCon] ApiPassword")),
                ApiAcceptSelfSigned = o.SelfSignedCertificate,
                LogEvents = configuration.Audit.LogOpConEvents,
                LogFile = configuration.Audit.OpConEventLogFile,
                LogFormat = configuration.Audit.LogOpConEventFormat,
            };
        }
    }
}
