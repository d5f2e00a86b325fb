using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MimeKit;
using SmartEmail;
using SmartEmail.Ini;
using SmartEmail.Mail;
using SmartEmail.Rules;

// Rule-engine micro-benchmark: 1,000 messages x 50 rules, a fifth of the rules with body processing, in process.
// Prints messages per second and bytes allocated per message, and writes them as JSON for the performance page.
var output = args.Length > 0 ? args[0] : Path.Combine("out", "bench", "rules.json");
const int MessageCount = 1000, RuleCount = 50, Rounds = 7;
var random = new Random(20261125);
string[] jobs = { "LOAD", "EXTRACT", "BILLING", "PAYROLL", "ACH", "GL", "AR", "AP", "INVENTORY", "SHIP" };

var messages = Enumerable.Range(0, MessageCount).Select(i =>
{
    var job = jobs[random.Next(jobs.Length)];
    var subject = random.Next(100) == 0 ? $"OpCon/xps: {job}Total total = {random.Next(100000)}.{random.Next(100):00}" : $"Job {job}{i % 97} ended with status {random.Next(5)}";
    var body = new StringBuilder();
    for (var line = 0; line < 30; line++)
        body.Append("Step ").Append(line).Append(": ").Append(jobs[random.Next(jobs.Length)]).Append(" rows=").Append(random.Next(100000)).Append('\n');
    var mime = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = body.ToString() }, Date = DateTimeOffset.UtcNow };
    mime.From.Add(new MailboxAddress("", $"ops{i % 20}@example.com"));
    return MimeSummary.InMemory(mime, i.ToString(), "bench", DateTimeOffset.UtcNow, body.Length);
}).ToList();

var ini = new StringBuilder("[General]\nMSGINDirectory=/tmp/msgin\nTimeZone=UTC\n[Tokens]\nOPS=any@example.com;boss@example.org\n");
for (var r = 1; r <= RuleCount; r++)
{
    var job = jobs[r % jobs.Length];
    ini.Append($"[Configuration{r}]\n");
    if (r == 1)
        ini.Append("SubjectLineMask=OpCon/xps: (\\S+) total = ([0-9]+\\.[0-9]+)\nEvent=$PROPERTY:SET,[[1]],[[2]]\n");
    else
        ini.Append($"SubjectLineMask=^Job {job}(\\d+) ended with status ([{r % 5}])$\nEvent=$JOB:ADD,,DAILY,{job}_[[1]],OnRequest\n");
    ini.Append("AllowedSenders=[[OPS]]\nAllowedTimeFrame=0000-2400\n");
    if (r % 5 == 0)
        ini.Append($"ProcessBody=Yes\nQualifyingSubjectLine=^Job {job}\n");
}
var config = ConfigurationReader.Read(IniDocument.Parse(ini.ToString()));
ConfigurationLoader.ThrowIfInvalid(config); // the INI rule every front end uses: refused when it has errors

var times = new List<double>();
var allocations = new List<double>();
var accepted = 0;
for (var round = 0; round <= Rounds; round++)
{
    // Round 0 warms up the JIT; the engine (compiled masks) is built once per run, as in a job.
    var before = GC.GetAllocatedBytesForCurrentThread();
    var clock = Stopwatch.StartNew();
    var engine = new RuleEngine(config.Rules, RuleSettings.From(config));
    accepted = 0;
    foreach (var m in messages)
        accepted += engine.Evaluate(m).Count(x => x.Outcome == RuleOutcome.Accepted);
    clock.Stop();
    if (round == 0)
        continue;
    times.Add(clock.Elapsed.TotalSeconds);
    allocations.Add((GC.GetAllocatedBytesForCurrentThread() - before) / (double)MessageCount);
}
times.Sort();
allocations.Sort();
var median = times[times.Count / 2];
var result = new
{
    workload = $"{MessageCount} messages x {RuleCount} rules ({RuleCount / 5} with body processing, 30-line bodies)",
    rounds = Rounds,
    medianSeconds = median,
    minSeconds = times[0],
    maxSeconds = times[^1],
    messagesPerSecond = MessageCount / median,
    allocatedBytesPerMessage = allocations[allocations.Count / 2],
    accepted,
};
Console.WriteLine($"rule engine: {result.workload}: median {median * 1000:0} ms (min {times[0] * 1000:0}, max {times[^1] * 1000:0}) = {result.messagesPerSecond:0} messages/s, {result.allocatedBytesPerMessage / 1024:0.0} KiB allocated per message, {accepted} accepted");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
File.WriteAllText(output, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
