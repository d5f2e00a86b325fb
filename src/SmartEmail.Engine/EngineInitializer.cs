using System.Runtime.CompilerServices;
using System.Text;

namespace SmartEmail
{
    /// <summary>Process-wide set-up that must happen before any engine code runs, whoever calls it first.</summary>
    internal static class EngineInitializer
    {
        /// <summary>
        /// Registers the code-page encodings (Windows-1252, ISO-2022-JP, Shift-JIS, ...): on .NET they are not available
        /// until registered, and without them MimeKit falls back to Latin-1, turning "€" and "–" in Windows-1252 mail into
        /// control characters. Idempotent.
        /// </summary>
        [ModuleInitializer]
        internal static void Initialize()
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        }
    }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>netstandard2.0 lacks this attribute; the C# compiler only needs it to exist to emit a module initializer,
    /// which both .NET and .NET Framework run when the assembly is first used.</summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = false)]
    internal sealed class ModuleInitializerAttribute : Attribute
    {
    }
}
