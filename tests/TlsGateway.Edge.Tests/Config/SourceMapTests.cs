using TlsGateway.Config;

namespace TlsGateway.Edge.Config.Tests;

public class SourceMapTests
{
    [Fact]
    public void Error_cites_the_file_the_line_recorded_for_the_path_and_the_path()
    {
        var map = new SourceMap("tlsgw.yaml");
        map.Record("edge.listeners[0].name", 4);
        map.Record("edge.listeners[1].name", 9);

        ConfigException error = map.Error("edge.listeners[1].name", "listener name 'a' is used twice");

        Assert.Equal("tlsgw.yaml:9: edge.listeners[1].name: listener name 'a' is used twice", error.Message);
        Assert.Equal("tlsgw.yaml", map.File);
    }

    [Fact]
    public void The_first_line_recorded_for_a_path_is_kept()
    {
        var map = new SourceMap("tlsgw.yaml");
        map.Record("edge.listeners", 2);
        map.Record("edge.listeners", 30);

        Assert.StartsWith("tlsgw.yaml:2: edge.listeners: ", map.Error("edge.listeners", "x").Message);
    }
}
