using SmartEmail.Mail;
using Xunit;

namespace SmartEmail.Engine.Tests;

/// <summary>
/// The engine bugs the fuzz tests (Fuzz/) found, one test each, named after the case that found it, so they stay fixed
/// even when the generators change.
/// </summary>
public class FuzzRegressionTests
{
    /// <summary>safe-name seed 20261126 case 22 and 33: "LPT³" and "CONIN$" were left as they are.</summary>
    [Theory]
    [InlineData("CONIN$")]
    [InlineData("conout$.txt")]
    [InlineData("COM0")]
    [InlineData("lpt0.log")]
    [InlineData("COM\u00b9")]
    [InlineData("LPT\u00b3.tar.gz")]
    public void SafeName_Case22_EveryWindowsDeviceNameGetsAPrefix(string text)
    {
        Assert.Equal("_" + text, MessageStore.SafeName(text, 80, "x"));
    }

    /// <summary>safe-name seed 20261126 case 96 and 251: the device prefix made the name one character too long.</summary>
    [Theory]
    [InlineData("COM8.tar.gz", 11, "_COM8.tar.g")]
    [InlineData("CON", 3, "_CO")]
    [InlineData("NUL.", 4, "_NUL")]
    [InlineData("CON.txt", 5, "_CON")]
    public void SafeName_Case251_ThePrefixForADeviceStaysWithinTheLength(string text, int maxLength, string expected)
    {
        Assert.Equal(expected, MessageStore.SafeName(text, maxLength, "x"));
    }
}
