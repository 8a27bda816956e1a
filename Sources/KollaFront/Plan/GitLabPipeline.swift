/// `kolla-oci build --plan gitlab-ci`: a `.gitlab-ci.yml`. Each stage of the plan is a
/// GitLab stage with one job needing the previous stage's job; a stage with several busy
/// shards runs `parallel: matrix` over `KOLLA_SHARD`; every job runs in the kolla-oci CI
/// image (GitLab's docker executor: root without privileges, the chroot isolation rung),
/// pushes to `$KOLLA_REGISTRY` and keeps its logs and summary as artifacts; the last job
/// merges them.
struct GitLabPipeline {
    let pipeline: CIPipeline

    static let shardVariable = "KOLLA_SHARD"

    static func jobName(stage: Int) -> String { "kolla-stage-\(stage)" }

    func yaml() -> String {
        let c = CIPipeline.self
        let header = pipeline.header(
            format: "gitlab-ci",
            variables: [
                "CI/CD variables (Settings > CI/CD > Variables; mask the password):",
                "  \(c.registryVariable): the registry (HOST[:PORT]) images are pushed to and parents pulled from",
                "  \(c.imageVariable): the kolla-oci CI image (tools/ci-image); DOCKER_AUTH_CONFIG if pulling it needs credentials",
                "  \(c.optionsVariable): more kolla-oci build options, e.g. --insecure-registry HOST:PORT (optional)",
                "  \(c.userSecret), \(c.passwordSecret): the registry's credentials (optional)",
            ])
        var top: [YAMLEntry] = [
            YAMLEntry("stages", .list(pipeline.stages.map { .string(Self.jobName(stage: $0.index)) } + ["kolla-summary"])),
            YAMLEntry("default", .map([YAMLEntry("image", .string("$\(c.imageVariable)"))])),
        ]
        for stage in pipeline.stages {
            top.append(YAMLEntry(Self.jobName(stage: stage.index), stageJob(stage)))
        }
        top.append(YAMLEntry("kolla-summary", summaryJob()))
        return YAMLWriter.document(.map(top), header: header)
    }

    private var artifacts: YAMLOutput {
        .map([
            YAMLEntry("when", "always"),
            YAMLEntry("paths", .list([.string(CIPipeline.outputDirectory + "/")])),
            YAMLEntry("expire_in", "1 week"),
        ])
    }

    private func stageJob(_ stage: CIPipeline.Stage) -> YAMLOutput {
        let matrix = stage.busyShards > 1
        var job: [YAMLEntry] = [YAMLEntry("stage", .string(Self.jobName(stage: stage.index)))]
        // A job downloads the artifacts of the jobs it needs unless told not to: a stage
        // needs only the images its parents pushed, not their logs.
        job.append(
            YAMLEntry(
                "needs",
                stage.index == 0
                    ? .list([])
                    : .list([.map([YAMLEntry("job", .string(Self.jobName(stage: stage.index - 1))), YAMLEntry("artifacts", false)])])))
        if matrix {
            job.append(
                YAMLEntry(
                    "parallel",
                    .map([
                        YAMLEntry(
                            "matrix",
                            .list([.map([YAMLEntry(Self.shardVariable, .list((0..<stage.busyShards).map { .string(String($0)) }))])]))
                    ])))
        }
        job.append(YAMLEntry("script", .list([.string(pipeline.buildScript(stage: stage, shard: matrix ? "$\(Self.shardVariable)" : nil))])))
        job.append(YAMLEntry("artifacts", artifacts))
        return .map(job)
    }

    private func summaryJob() -> YAMLOutput {
        .map([
            YAMLEntry("stage", "kolla-summary"),
            YAMLEntry("when", "always"),
            YAMLEntry(
                "needs",
                .list(pipeline.stages.map { .map([YAMLEntry("job", .string(Self.jobName(stage: $0.index))), YAMLEntry("artifacts", true)]) })),
            YAMLEntry("script", .list([.string(pipeline.summaryScript)])),
            YAMLEntry(
                "artifacts",
                .map([
                    YAMLEntry("when", "always"),
                    YAMLEntry("paths", .list([.string(CIPipeline.summaryDirectory + "/")])),
                    YAMLEntry("expire_in", "1 week"),
                ])),
        ])
    }
}
