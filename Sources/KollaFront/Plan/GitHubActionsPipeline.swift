/// `kolla-oci build --plan github-actions`: a GitHub Actions workflow for
/// `.github/workflows/`. Each stage is a job needing the previous stage's; a stage with
/// several busy shards is a matrix over `shard`; every job runs in the kolla-oci CI image
/// as a container job (root without privileges: the chroot isolation rung), pushes to
/// `vars.KOLLA_REGISTRY`, and uploads its logs and summary; the last job merges them.
struct GitHubActionsPipeline {
    let pipeline: CIPipeline

    static let checkoutAction = "actions/checkout@v4"
    static let uploadAction = "actions/upload-artifact@v4"
    static let downloadAction = "actions/download-artifact@v4"

    static func jobName(stage: Int) -> String { "stage-\(stage)" }

    func yaml() -> String {
        let c = CIPipeline.self
        let header = pipeline.header(
            format: "github-actions",
            variables: [
                "Repository settings (Settings > Secrets and variables > Actions):",
                "  variable \(c.registryVariable): the registry (HOST[:PORT]) images are pushed to and parents pulled from",
                "  variable \(c.imageVariable): the kolla-oci CI image (tools/ci-image) in a registry the runners reach",
                "  variable \(c.optionsVariable): more kolla-oci build options, e.g. --insecure-registry HOST:PORT (optional)",
                "  secrets \(c.userSecret), \(c.passwordSecret): the registry's credentials (optional)",
            ])
        var jobs: [YAMLEntry] = []
        for stage in pipeline.stages {
            jobs.append(YAMLEntry(Self.jobName(stage: stage.index), stageJob(stage)))
        }
        jobs.append(YAMLEntry("summary", summaryJob()))
        let workflow: YAMLOutput = .map([
            YAMLEntry("name", "kolla-oci images"),
            YAMLEntry("on", .map([YAMLEntry("workflow_dispatch", .map([])), YAMLEntry("push", .map([]))])),
            YAMLEntry("permissions", .map([YAMLEntry("contents", "read")])),
            YAMLEntry(
                "env",
                .map([
                    YAMLEntry(c.registryVariable, .string("${{ vars.\(c.registryVariable) }}")),
                    YAMLEntry(c.optionsVariable, .string("${{ vars.\(c.optionsVariable) }}")),
                ])),
            YAMLEntry("defaults", .map([YAMLEntry("run", .map([YAMLEntry("shell", "bash")]))])),
            YAMLEntry("jobs", .map(jobs)),
        ])
        return YAMLWriter.document(workflow, header: header)
    }

    /// The job's container: the CI image, pulled with the registry's credentials.
    private var container: YAMLOutput {
        let c = CIPipeline.self
        return .map([
            YAMLEntry("image", .string("${{ vars.\(c.imageVariable) }}")),
            YAMLEntry(
                "credentials",
                .map([
                    YAMLEntry("username", .string("${{ secrets.\(c.userSecret) }}")),
                    YAMLEntry("password", .string("${{ secrets.\(c.passwordSecret) }}")),
                ])),
        ])
    }

    private func stageJob(_ stage: CIPipeline.Stage) -> YAMLOutput {
        let c = CIPipeline.self
        let matrix = stage.busyShards > 1
        let shard = matrix ? "${{ matrix.shard }}" : nil
        let artifact = "kolla-stage-\(stage.index)" + (shard.map { "-shard-\($0)" } ?? "")
        var job: [YAMLEntry] = [
            YAMLEntry("name", .string("stage \(stage.index)" + (matrix ? " shard ${{ matrix.shard }}" : "") + ": " + stage.images.joined(separator: " "))),
        ]
        if stage.index > 0 { job.append(YAMLEntry("needs", .list([.string(Self.jobName(stage: stage.index - 1))]))) }
        job.append(YAMLEntry("runs-on", "ubuntu-latest"))
        if matrix {
            job.append(
                YAMLEntry(
                    "strategy",
                    .map([
                        YAMLEntry("fail-fast", false),
                        YAMLEntry("matrix", .map([YAMLEntry("shard", .list((0..<stage.busyShards).map { .int($0) }))])),
                    ])))
        }
        job.append(YAMLEntry("container", container))
        job.append(
            YAMLEntry(
                "steps",
                .list([
                    .map([YAMLEntry("uses", .string(Self.checkoutAction))]),
                    .map([
                        YAMLEntry("name", "build and push"),
                        YAMLEntry(
                            "env",
                            .map([
                                YAMLEntry(c.userSecret, .string("${{ secrets.\(c.userSecret) }}")),
                                YAMLEntry(c.passwordSecret, .string("${{ secrets.\(c.passwordSecret) }}")),
                            ])),
                        YAMLEntry("run", .string(pipeline.buildScript(stage: stage, shard: shard))),
                    ]),
                    .map([
                        YAMLEntry("name", "logs and summary"),
                        YAMLEntry("if", "always()"),
                        YAMLEntry("uses", .string(Self.uploadAction)),
                        YAMLEntry(
                            "with",
                            .map([
                                YAMLEntry("name", .string(artifact)),
                                YAMLEntry("path", .string(c.outputDirectory + "/")),
                                YAMLEntry("if-no-files-found", "warn"),
                            ])),
                    ]),
                ])))
        return .map(job)
    }

    private func summaryJob() -> YAMLOutput {
        let c = CIPipeline.self
        return .map([
            YAMLEntry("name", "summary"),
            YAMLEntry("needs", .list(pipeline.stages.map { .string(Self.jobName(stage: $0.index)) })),
            YAMLEntry("if", "always()"),
            YAMLEntry("runs-on", "ubuntu-latest"),
            YAMLEntry("container", container),
            YAMLEntry(
                "steps",
                .list([
                    .map([
                        YAMLEntry("uses", .string(Self.downloadAction)),
                        YAMLEntry(
                            "with",
                            .map([
                                YAMLEntry("pattern", "kolla-stage-*"),
                                YAMLEntry("path", .string(c.outputDirectory)),
                                YAMLEntry("merge-multiple", true),
                            ])),
                    ]),
                    .map([
                        YAMLEntry("name", "merged summary"),
                        YAMLEntry("run", .string(pipeline.summaryScript)),
                    ]),
                    .map([
                        YAMLEntry("if", "always()"),
                        YAMLEntry("uses", .string(Self.uploadAction)),
                        YAMLEntry(
                            "with",
                            .map([
                                YAMLEntry("name", "kolla-summary"),
                                YAMLEntry("path", .string(c.summaryDirectory + "/")),
                            ])),
                    ]),
                ])),
        ])
    }
}
