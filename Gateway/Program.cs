using ClearingCluster.Gateway.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddClearingGateway();

var app = builder.Build();
app.UseClearingGateway();
app.Run();

/// <summary>Visible to the end-to-end tests' WebApplicationFactory.</summary>
public partial class Program;
