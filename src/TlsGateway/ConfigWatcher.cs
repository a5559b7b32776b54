namespace TlsGateway.Host;

/// <summary>
/// Watches the config file and every file it names (certificates, keys, bundles, ticket keys)
/// and calls back once per burst of changes: editors and cert tools write in several steps, and
/// a rename-into-place shows up as create/delete, so changes are debounced and directories watched.
/// Kubernetes ConfigMap and Secret volumes change differently: each file is a symlink through
/// "..data", and the kubelet swaps that one symlink (rename of "..data_tmp" over it) without any
/// event on the file's own name, so a change of "..data" in a watched directory counts as a
/// change of every file there.
/// </summary>
internal sealed class ConfigWatcher : IDisposable
{
    // The kubelet's AtomicWriter: DIR/..data -> ..2026_11_24_01_02_03.123, DIR/FILE -> ..data/FILE.
    private const string KubeletDataLink = "..data";

    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(300);
    private readonly Action _changed;
    private readonly Timer _timer;
    private List<FileSystemWatcher> _watchers = [];
    private HashSet<string> _files = new(StringComparer.Ordinal);

    public ConfigWatcher(Action changed)
    {
        _changed = changed;
        _timer = new Timer(_ => _changed(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public void Watch(IEnumerable<string> files)
    {
        var paths = files.Where(f => !f.Contains(':') || f.StartsWith('/')).Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var watchers = new List<FileSystemWatcher>();
        foreach (string directory in paths.Select(Path.GetDirectoryName).Distinct().OfType<string>().Where(Directory.Exists))
        {
            var watcher = new FileSystemWatcher(directory) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            watcher.Changed += OnEvent;
            watcher.Created += OnEvent;
            watcher.Renamed += OnEvent;
            watcher.Deleted += OnEvent;
            watcher.EnableRaisingEvents = true;
            watchers.Add(watcher);
        }

        List<FileSystemWatcher> previous = Interlocked.Exchange(ref _watchers, watchers);
        Volatile.Write(ref _files, paths);
        previous.ForEach(w => w.Dispose());
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        HashSet<string> files = Volatile.Read(ref _files);
        bool relevant = files.Contains(e.FullPath) || (e is RenamedEventArgs renamed && files.Contains(renamed.OldFullPath))
            || e.Name == KubeletDataLink;
        if (relevant)
        {
            _timer.Change(s_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _watchers.ForEach(w => w.Dispose());
    }
}
