using System;
using SmartEmail.Ini;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>How Request-SmartEmailToken signs in.</summary>
    public sealed class SignInOptions
    {
        /// <summary>Only renew the stored sign-in, never ask anyone (--renewTokenSilent).</summary>
        public bool Silent { get; set; }
        /// <summary>Sign in (and consent) without storing the account or its tokens (--doNotSaveAccount).</summary>
        public bool DoNotSaveAccount { get; set; }
        /// <summary>Use a device code even when a browser could open.</summary>
        public bool DeviceCode { get; set; }
        /// <summary>Shows a message to the person signing in (the device code instructions).</summary>
        public Action<string> Prompt { get; set; } = _ => { };
        /// <summary>How long the person has to complete the sign-in.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(15);
    }
}
