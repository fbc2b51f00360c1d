namespace ClearingCluster.Runtime.Tests;

public sealed class GrainFactoryTests
{
    [Fact]
    public async Task A_reference_is_cheap_and_activates_nothing_until_called()
    {
        await using var silo = await TestSilo.StartAsync();
        var references = Enumerable.Range(0, 1000).Select(i => silo.Grain<ICounterGrain>($"c{i}")).ToList();

        Assert.Equal(0, silo.Runtime.ActivationCount);
        Assert.Equal(5, await references[7].Add(5));
        Assert.Equal(1, silo.Runtime.ActivationCount);
    }

    [Fact]
    public async Task Two_references_to_one_id_reach_the_same_grain()
    {
        await using var silo = await TestSilo.StartAsync();

        await silo.Grain<ICounterGrain>("same").Add(2);
        await silo.Grain<ICounterGrain>("same").Add(3);

        Assert.Equal(5, await silo.Grain<ICounterGrain>("same").Get());
        Assert.Equal(1, silo.Probe.ActivationsOf("same"));
    }

    [Fact]
    public async Task Exceptions_reach_the_caller_with_their_type_and_message()
    {
        await using var silo = await TestSilo.StartAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => silo.Grain<ICounterGrain>("e").Fail("quantity must be positive"));

        Assert.Equal("quantity must be positive", error.Message);
        Assert.Equal(0, await silo.Grain<ICounterGrain>("e").Get());
    }

    [Fact]
    public async Task An_interface_with_a_method_not_returning_a_task_is_refused_at_registration()
    {
        var registry = new GrainTypeRegistry();

        var error = Assert.Throws<InvalidOperationException>(() => registry.Add(typeof(BadGrain)));

        Assert.Contains("must return Task", error.Message);
    }

    private interface IBadGrain : IGrainWithStringKey
    {
        int NotAsync();
    }

    private sealed class BadGrain : Grain, IBadGrain
    {
        public int NotAsync() => 1;
    }
}
