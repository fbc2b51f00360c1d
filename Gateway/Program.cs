using ClearingCluster.Gateway.Hosting;
using ClearingCluster.Silo.Database;

var builder = WebApplication.CreateBuilder(args);
builder.AddClearingGateway();

var app = builder.Build();
app.UseClearingGateway();
try
{
    app.Run();
}
catch (DataDirectoryInUseException inUse)
{
    // Another Gateway owns the data: say so plainly and leave everything of it alone.
    Console.Error.WriteLine($"ClearingCluster: {inUse.Message}");
    return 3;
}
return 0;

/// <summary>Visible to the end-to-end tests' WebApplicationFactory.</summary>
public partial class Program;
