// OCIBuild is the builder the front end uses: the executor here, and the concerns below it
// re-exported as one module, so `import OCIBuild` gives the whole builder API.

@_exported import OCIDockerfile
@_exported import OCILayers
@_exported import OCIRegistry
@_exported import OCISandbox
@_exported import OCIStore
@_exported import OCIValues

// From the system layer, only what a front end needs: path operations with typed errors,
// this process's ids, the terminal, libyaml's events (the front end reads kolla's YAML
// data files), and starting and signalling the processes of detached containers (`run -d`,
// `stop`). Descriptors, archives, HTTP and C stay below.
@_exported import enum OCISystem.DetachedProcess
@_exported import enum OCISystem.FileSystem
@_exported import enum OCISystem.ProcessIdentity
@_exported import enum OCISystem.Terminal
@_exported import struct OCISystem.YAMLEvent
@_exported import struct OCISystem.YAMLSyntaxError
@_exported import func OCISystem.yamlEvents
