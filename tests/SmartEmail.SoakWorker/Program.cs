using System;
using System.IO;
using System.Threading;
using SmartEmail;
using SmartEmail.Ini;
using SmartEmail.Run;

// SmartEmail.SoakWorker <ini> <ready file> <go file>
//
// Runs the INI as Invoke-SmartEmailRun -Path <ini> does (ConfigurationLoader.LoadValid: refused when it has errors; a
// SmartEmailRun with the default options and a 60 s lock timeout), for the soak in tests/Pester/Invoke-SmartEmailRun.Soak.Tests.ps1:
// a dry run first (it writes nothing and takes no lock) so that the code is compiled before the go and the kill lands
// in the real runs rather than in start-up; then its PID in the ready file; then, once the go file exists, real runs
// over and over until the process is killed.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: SmartEmail.SoakWorker <ini> <ready file> <go file>");
    return 64;
}
var (ini, ready, go) = (Path.GetFullPath(args[0]), args[1], args[2]);

Configuration configuration;
try
{
    configuration = ConfigurationLoader.LoadValid(ini);
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 65;
}

RunResult Run(bool whatIf) =>
    new SmartEmailRun(configuration, new RunOptions { WhatIf = whatIf, LockTimeout = TimeSpan.FromSeconds(60) }, NullEngineLog.Instance)
        .Execute(CancellationToken.None);

Run(whatIf: true);
File.WriteAllText(ready, Environment.ProcessId.ToString());
while (!File.Exists(go))
    Thread.Sleep(2);
while (true)
    Run(whatIf: false);
