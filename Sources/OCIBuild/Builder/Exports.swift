// OCIBuild is the builder the front end uses: the executor here, and the concerns below it
// re-exported as one module, so `import OCIBuild` gives the whole builder API.

@_exported import OCIDockerfile
@_exported import OCILayers
@_exported import OCIRegistry
@_exported import OCISandbox
@_exported import OCIStore
@_exported import OCIValues
