using System;

namespace SmartEmail.Run
{
    /// <summary>The machine's clock.</summary>
    internal sealed class SystemClock : IClock
    {
        public static SystemClock Instance { get; } = new SystemClock();

        public DateTimeOffset Now => DateTimeOffset.Now;
    }
}
