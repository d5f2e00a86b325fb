using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text;
using MailKit.Net.Imap;
using Microsoft.Identity.Client;
using MimeKit;

namespace SmartEmail.Diagnostics
{
    /// <summary>
    /// Exercises each third-party library the engine depends on (MIME parsing, the IMAP client, MSAL application
    /// building) without touching the network, and reports the assemblies that served them. Used to prove that the
    /// module's private copies are the ones in use even when another module loaded other versions first.
    /// </summary>
    public static class DependencyReport
    {
        /// <summary>Runs one real operation per library and returns the assemblies used.</summary>
        /// <exception cref="FileLoadException">A dependency could not be loaded (a version conflict).</exception>
        public static IReadOnlyList<DependencyInfo> Probe()
        {
            using (var stream = new MemoryStream(Encoding.ASCII.GetBytes("From: a@example.com\r\nSubject: probe\r\n\r\nbody\r\n")))
            {
                MimeMessage.Load(stream);
            }
            using (var client = new ImapClient())
            {
                client.Timeout = 1000;
            }
            var app = ConfidentialClientApplicationBuilder.Create("00000000-0000-0000-0000-000000000000")
                .WithClientSecret("probe")
                .WithAuthority("https://login.microsoftonline.com/common", validateAuthority: false)
                .Build();
            if (app.AppConfig.ClientId.Length == 0)
                throw new InvalidOperationException("MSAL built an application without a client id.");
            return new[]
            {
                new DependencyInfo(typeof(MimeMessage).Assembly),
                new DependencyInfo(typeof(ImapClient).Assembly),
                new DependencyInfo(typeof(IConfidentialClientApplication).Assembly),
            };
        }
    }
}
