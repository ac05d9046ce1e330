/* SPDX-License-Identifier: Apache-2.0 */
/* The ECS API shapes a task definition is made of, as tables: members in the order of the
 * service model (botocore data/ecs/2014-11-13/service-2.json), so "must be one of" lists read
 * exactly as the AWS CLI prints them. Regenerate by hand when the service model grows. */
#include "emu/model/parse_util.h"

#define PU_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define PU_STRUCT(m, r)                                                                            \
    {                                                                                              \
        .kind = PU_STRUCT, .members = (m), .n_members = PU_COUNT(m), .required = (r),              \
        .n_required = PU_COUNT(r)                                                                  \
    }
#define PU_STRUCT0(m)                                                                              \
    {                                                                                              \
        .kind = PU_STRUCT, .members = (m), .n_members = PU_COUNT(m)                                \
    }
#define PU_LIST(e)                                                                                 \
    {                                                                                              \
        .kind = PU_LIST, .elem = (e)                                                               \
    }
#define PU_MAP(e)                                                                                  \
    {                                                                                              \
        .kind = PU_MAP, .elem = (e)                                                                \
    }

const struct pu_shape pu_string = {.kind = PU_STRING};
const struct pu_shape pu_string_min1 = {.kind = PU_STRING, .min_len = 1};
const struct pu_shape pu_string_or_number = {.kind = PU_STRING_OR_NUMBER};
const struct pu_shape pu_int = {.kind = PU_INT};
const struct pu_shape pu_bool = {.kind = PU_BOOL};
const struct pu_shape pu_timestamp = {.kind = PU_TIMESTAMP};

static const struct pu_member m_RepositoryCredentials[] = {
    {"credentialsParameter", &pu_string},
};
static const char *const r_RepositoryCredentials[] = {"credentialsParameter"};
static const struct pu_shape sh_RepositoryCredentials =
    PU_STRUCT(m_RepositoryCredentials, r_RepositoryCredentials);

static const struct pu_shape sh_StringList = PU_LIST(&pu_string);

static const struct pu_member m_PortMapping[] = {
    {"containerPort", &pu_int}, {"hostPort", &pu_int},       {"protocol", &pu_string},
    {"name", &pu_string},       {"appProtocol", &pu_string}, {"containerPortRange", &pu_string},
};
static const struct pu_shape sh_PortMapping = PU_STRUCT0(m_PortMapping);

static const struct pu_shape sh_PortMappingList = PU_LIST(&sh_PortMapping);

static const struct pu_shape sh_IntegerList = PU_LIST(&pu_int);

static const struct pu_member m_ContainerRestartPolicy[] = {
    {"enabled", &pu_bool},
    {"ignoredExitCodes", &sh_IntegerList},
    {"restartAttemptPeriod", &pu_int},
};
static const char *const r_ContainerRestartPolicy[] = {"enabled"};
static const struct pu_shape sh_ContainerRestartPolicy =
    PU_STRUCT(m_ContainerRestartPolicy, r_ContainerRestartPolicy);

static const struct pu_member m_KeyValuePair[] = {
    {"name", &pu_string},
    {"value", &pu_string},
};
static const struct pu_shape sh_KeyValuePair = PU_STRUCT0(m_KeyValuePair);

static const struct pu_shape sh_EnvironmentVariables = PU_LIST(&sh_KeyValuePair);

static const struct pu_member m_EnvironmentFile[] = {
    {"value", &pu_string},
    {"type", &pu_string},
};
static const char *const r_EnvironmentFile[] = {"value", "type"};
static const struct pu_shape sh_EnvironmentFile = PU_STRUCT(m_EnvironmentFile, r_EnvironmentFile);

static const struct pu_shape sh_EnvironmentFiles = PU_LIST(&sh_EnvironmentFile);

static const struct pu_member m_MountPoint[] = {
    {"sourceVolume", &pu_string},
    {"containerPath", &pu_string},
    {"readOnly", &pu_bool},
};
static const struct pu_shape sh_MountPoint = PU_STRUCT0(m_MountPoint);

static const struct pu_shape sh_MountPointList = PU_LIST(&sh_MountPoint);

static const struct pu_member m_VolumeFrom[] = {
    {"sourceContainer", &pu_string},
    {"readOnly", &pu_bool},
};
static const struct pu_shape sh_VolumeFrom = PU_STRUCT0(m_VolumeFrom);

static const struct pu_shape sh_VolumeFromList = PU_LIST(&sh_VolumeFrom);

static const struct pu_member m_KernelCapabilities[] = {
    {"add", &sh_StringList},
    {"drop", &sh_StringList},
};
static const struct pu_shape sh_KernelCapabilities = PU_STRUCT0(m_KernelCapabilities);

static const struct pu_shape sh_DeviceCgroupPermissions = PU_LIST(&pu_string);

static const struct pu_member m_Device[] = {
    {"hostPath", &pu_string},
    {"containerPath", &pu_string},
    {"permissions", &sh_DeviceCgroupPermissions},
};
static const char *const r_Device[] = {"hostPath"};
static const struct pu_shape sh_Device = PU_STRUCT(m_Device, r_Device);

static const struct pu_shape sh_DevicesList = PU_LIST(&sh_Device);

static const struct pu_member m_Tmpfs[] = {
    {"containerPath", &pu_string},
    {"size", &pu_int},
    {"mountOptions", &sh_StringList},
};
static const char *const r_Tmpfs[] = {"containerPath", "size"};
static const struct pu_shape sh_Tmpfs = PU_STRUCT(m_Tmpfs, r_Tmpfs);

static const struct pu_shape sh_TmpfsList = PU_LIST(&sh_Tmpfs);

static const struct pu_member m_LinuxParameters[] = {
    {"capabilities", &sh_KernelCapabilities},
    {"devices", &sh_DevicesList},
    {"initProcessEnabled", &pu_bool},
    {"sharedMemorySize", &pu_int},
    {"tmpfs", &sh_TmpfsList},
    {"maxSwap", &pu_int},
    {"swappiness", &pu_int},
};
static const struct pu_shape sh_LinuxParameters = PU_STRUCT0(m_LinuxParameters);

static const struct pu_member m_Secret[] = {
    {"name", &pu_string},
    {"valueFrom", &pu_string},
};
static const char *const r_Secret[] = {"name", "valueFrom"};
static const struct pu_shape sh_Secret = PU_STRUCT(m_Secret, r_Secret);

static const struct pu_shape sh_SecretList = PU_LIST(&sh_Secret);

static const struct pu_member m_ContainerDependency[] = {
    {"containerName", &pu_string},
    {"condition", &pu_string},
};
static const char *const r_ContainerDependency[] = {"containerName", "condition"};
static const struct pu_shape sh_ContainerDependency =
    PU_STRUCT(m_ContainerDependency, r_ContainerDependency);

static const struct pu_shape sh_ContainerDependencies = PU_LIST(&sh_ContainerDependency);

static const struct pu_member m_HostEntry[] = {
    {"hostname", &pu_string},
    {"ipAddress", &pu_string},
};
static const char *const r_HostEntry[] = {"hostname", "ipAddress"};
static const struct pu_shape sh_HostEntry = PU_STRUCT(m_HostEntry, r_HostEntry);

static const struct pu_shape sh_HostEntryList = PU_LIST(&sh_HostEntry);

static const struct pu_shape sh_DockerLabelsMap = PU_MAP(&pu_string);

static const struct pu_member m_Ulimit[] = {
    {"name", &pu_string},
    {"softLimit", &pu_int},
    {"hardLimit", &pu_int},
};
static const char *const r_Ulimit[] = {"name", "softLimit", "hardLimit"};
static const struct pu_shape sh_Ulimit = PU_STRUCT(m_Ulimit, r_Ulimit);

static const struct pu_shape sh_UlimitList = PU_LIST(&sh_Ulimit);

static const struct pu_shape sh_LogConfigurationOptionsMap = PU_MAP(&pu_string);

static const struct pu_member m_LogConfiguration[] = {
    {"logDriver", &pu_string},
    {"options", &sh_LogConfigurationOptionsMap},
    {"secretOptions", &sh_SecretList},
};
static const char *const r_LogConfiguration[] = {"logDriver"};
static const struct pu_shape sh_LogConfiguration =
    PU_STRUCT(m_LogConfiguration, r_LogConfiguration);

static const struct pu_member m_HealthCheck[] = {
    {"command", &sh_StringList}, {"interval", &pu_int},    {"timeout", &pu_int},
    {"retries", &pu_int},        {"startPeriod", &pu_int},
};
static const char *const r_HealthCheck[] = {"command"};
static const struct pu_shape sh_HealthCheck = PU_STRUCT(m_HealthCheck, r_HealthCheck);

static const struct pu_member m_SystemControl[] = {
    {"namespace", &pu_string},
    {"value", &pu_string},
};
static const struct pu_shape sh_SystemControl = PU_STRUCT0(m_SystemControl);

static const struct pu_shape sh_SystemControls = PU_LIST(&sh_SystemControl);

static const struct pu_member m_ResourceRequirement[] = {
    {"value", &pu_string},
    {"type", &pu_string},
};
static const char *const r_ResourceRequirement[] = {"value", "type"};
static const struct pu_shape sh_ResourceRequirement =
    PU_STRUCT(m_ResourceRequirement, r_ResourceRequirement);

static const struct pu_shape sh_ResourceRequirements = PU_LIST(&sh_ResourceRequirement);

static const struct pu_shape sh_FirelensConfigurationOptionsMap = PU_MAP(&pu_string);

static const struct pu_member m_FirelensConfiguration[] = {
    {"type", &pu_string},
    {"options", &sh_FirelensConfigurationOptionsMap},
};
static const char *const r_FirelensConfiguration[] = {"type"};
static const struct pu_shape sh_FirelensConfiguration =
    PU_STRUCT(m_FirelensConfiguration, r_FirelensConfiguration);

static const struct pu_member m_ContainerDefinition[] = {
    {"name", &pu_string},
    {"image", &pu_string},
    {"repositoryCredentials", &sh_RepositoryCredentials},
    {"cpu", &pu_int},
    {"memory", &pu_int},
    {"memoryReservation", &pu_int},
    {"links", &sh_StringList},
    {"portMappings", &sh_PortMappingList},
    {"essential", &pu_bool},
    {"restartPolicy", &sh_ContainerRestartPolicy},
    {"entryPoint", &sh_StringList},
    {"command", &sh_StringList},
    {"environment", &sh_EnvironmentVariables},
    {"environmentFiles", &sh_EnvironmentFiles},
    {"mountPoints", &sh_MountPointList},
    {"volumesFrom", &sh_VolumeFromList},
    {"linuxParameters", &sh_LinuxParameters},
    {"secrets", &sh_SecretList},
    {"dependsOn", &sh_ContainerDependencies},
    {"startTimeout", &pu_int},
    {"stopTimeout", &pu_int},
    {"versionConsistency", &pu_string},
    {"hostname", &pu_string},
    {"user", &pu_string},
    {"workingDirectory", &pu_string},
    {"disableNetworking", &pu_bool},
    {"privileged", &pu_bool},
    {"readonlyRootFilesystem", &pu_bool},
    {"dnsServers", &sh_StringList},
    {"dnsSearchDomains", &sh_StringList},
    {"extraHosts", &sh_HostEntryList},
    {"dockerSecurityOptions", &sh_StringList},
    {"interactive", &pu_bool},
    {"pseudoTerminal", &pu_bool},
    {"dockerLabels", &sh_DockerLabelsMap},
    {"ulimits", &sh_UlimitList},
    {"logConfiguration", &sh_LogConfiguration},
    {"healthCheck", &sh_HealthCheck},
    {"systemControls", &sh_SystemControls},
    {"resourceRequirements", &sh_ResourceRequirements},
    {"firelensConfiguration", &sh_FirelensConfiguration},
    {"credentialSpecs", &sh_StringList},
};
static const struct pu_shape sh_ContainerDefinition = PU_STRUCT0(m_ContainerDefinition);

static const struct pu_shape sh_ContainerDefinitions = PU_LIST(&sh_ContainerDefinition);

static const struct pu_member m_HostVolumeProperties[] = {
    {"sourcePath", &pu_string},
};
static const struct pu_shape sh_HostVolumeProperties = PU_STRUCT0(m_HostVolumeProperties);

static const struct pu_shape sh_StringMap = PU_MAP(&pu_string);

static const struct pu_member m_DockerVolumeConfiguration[] = {
    {"scope", &pu_string},         {"autoprovision", &pu_bool}, {"driver", &pu_string},
    {"driverOpts", &sh_StringMap}, {"labels", &sh_StringMap},
};
static const struct pu_shape sh_DockerVolumeConfiguration = PU_STRUCT0(m_DockerVolumeConfiguration);

static const struct pu_member m_EFSAuthorizationConfig[] = {
    {"accessPointId", &pu_string},
    {"iam", &pu_string},
};
static const struct pu_shape sh_EFSAuthorizationConfig = PU_STRUCT0(m_EFSAuthorizationConfig);

static const struct pu_member m_EFSVolumeConfiguration[] = {
    {"fileSystemId", &pu_string},
    {"rootDirectory", &pu_string},
    {"transitEncryption", &pu_string},
    {"transitEncryptionPort", &pu_int},
    {"authorizationConfig", &sh_EFSAuthorizationConfig},
};
static const char *const r_EFSVolumeConfiguration[] = {"fileSystemId"};
static const struct pu_shape sh_EFSVolumeConfiguration =
    PU_STRUCT(m_EFSVolumeConfiguration, r_EFSVolumeConfiguration);

static const struct pu_member m_S3FilesVolumeConfiguration[] = {
    {"fileSystemArn", &pu_string},
    {"rootDirectory", &pu_string},
    {"transitEncryptionPort", &pu_int},
    {"accessPointArn", &pu_string},
};
static const char *const r_S3FilesVolumeConfiguration[] = {"fileSystemArn"};
static const struct pu_shape sh_S3FilesVolumeConfiguration =
    PU_STRUCT(m_S3FilesVolumeConfiguration, r_S3FilesVolumeConfiguration);

static const struct pu_member m_FSxWindowsFileServerAuthorizationConfig[] = {
    {"credentialsParameter", &pu_string},
    {"domain", &pu_string},
};
static const char *const r_FSxWindowsFileServerAuthorizationConfig[] = {
    "credentialsParameter",
    "domain",
};
static const struct pu_shape sh_FSxWindowsFileServerAuthorizationConfig =
    PU_STRUCT(m_FSxWindowsFileServerAuthorizationConfig, r_FSxWindowsFileServerAuthorizationConfig);

static const struct pu_member m_FSxWindowsFileServerVolumeConfiguration[] = {
    {"fileSystemId", &pu_string},
    {"rootDirectory", &pu_string},
    {"authorizationConfig", &sh_FSxWindowsFileServerAuthorizationConfig},
};
static const char *const r_FSxWindowsFileServerVolumeConfiguration[] = {
    "fileSystemId",
    "rootDirectory",
    "authorizationConfig",
};
static const struct pu_shape sh_FSxWindowsFileServerVolumeConfiguration =
    PU_STRUCT(m_FSxWindowsFileServerVolumeConfiguration, r_FSxWindowsFileServerVolumeConfiguration);

static const struct pu_member m_Volume[] = {
    {"name", &pu_string},
    {"host", &sh_HostVolumeProperties},
    {"dockerVolumeConfiguration", &sh_DockerVolumeConfiguration},
    {"efsVolumeConfiguration", &sh_EFSVolumeConfiguration},
    {"s3filesVolumeConfiguration", &sh_S3FilesVolumeConfiguration},
    {"fsxWindowsFileServerVolumeConfiguration", &sh_FSxWindowsFileServerVolumeConfiguration},
    {"configuredAtLaunch", &pu_bool},
};
static const struct pu_shape sh_Volume = PU_STRUCT0(m_Volume);

static const struct pu_shape sh_VolumeList = PU_LIST(&sh_Volume);

static const struct pu_member m_TaskDefinitionPlacementConstraint[] = {
    {"type", &pu_string},
    {"expression", &pu_string},
};
static const struct pu_shape sh_TaskDefinitionPlacementConstraint =
    PU_STRUCT0(m_TaskDefinitionPlacementConstraint);

static const struct pu_shape sh_TaskDefinitionPlacementConstraints =
    PU_LIST(&sh_TaskDefinitionPlacementConstraint);

static const struct pu_shape sh_CompatibilityList = PU_LIST(&pu_string);

static const struct pu_member m_Tag[] = {
    {"key", &pu_string_min1},
    {"value", &pu_string},
};
static const struct pu_shape sh_Tag = PU_STRUCT0(m_Tag);

static const struct pu_shape sh_Tags = PU_LIST(&sh_Tag);

static const struct pu_shape sh_ProxyConfigurationProperties = PU_LIST(&sh_KeyValuePair);

static const struct pu_member m_ProxyConfiguration[] = {
    {"type", &pu_string},
    {"containerName", &pu_string},
    {"properties", &sh_ProxyConfigurationProperties},
};
static const char *const r_ProxyConfiguration[] = {"containerName"};
static const struct pu_shape sh_ProxyConfiguration =
    PU_STRUCT(m_ProxyConfiguration, r_ProxyConfiguration);

static const struct pu_member m_InferenceAccelerator[] = {
    {"deviceName", &pu_string},
    {"deviceType", &pu_string},
};
static const char *const r_InferenceAccelerator[] = {"deviceName", "deviceType"};
static const struct pu_shape sh_InferenceAccelerator =
    PU_STRUCT(m_InferenceAccelerator, r_InferenceAccelerator);

static const struct pu_shape sh_InferenceAccelerators = PU_LIST(&sh_InferenceAccelerator);

static const struct pu_member m_EphemeralStorage[] = {
    {"sizeInGiB", &pu_int},
};
static const char *const r_EphemeralStorage[] = {"sizeInGiB"};
static const struct pu_shape sh_EphemeralStorage =
    PU_STRUCT(m_EphemeralStorage, r_EphemeralStorage);

static const struct pu_member m_RuntimePlatform[] = {
    {"cpuArchitecture", &pu_string},
    {"operatingSystemFamily", &pu_string},
};
static const struct pu_shape sh_RuntimePlatform = PU_STRUCT0(m_RuntimePlatform);

static const struct pu_member m_RegisterTaskDefinitionRequest[] = {
    {"family", &pu_string},
    {"taskRoleArn", &pu_string},
    {"executionRoleArn", &pu_string},
    {"networkMode", &pu_string},
    {"containerDefinitions", &sh_ContainerDefinitions},
    {"volumes", &sh_VolumeList},
    {"placementConstraints", &sh_TaskDefinitionPlacementConstraints},
    {"requiresCompatibilities", &sh_CompatibilityList},
    {"cpu", &pu_string_or_number},
    {"memory", &pu_string_or_number},
    {"tags", &sh_Tags},
    {"pidMode", &pu_string},
    {"ipcMode", &pu_string},
    {"proxyConfiguration", &sh_ProxyConfiguration},
    {"inferenceAccelerators", &sh_InferenceAccelerators},
    {"ephemeralStorage", &sh_EphemeralStorage},
    {"runtimePlatform", &sh_RuntimePlatform},
    {"enableFaultInjection", &pu_bool},
};
static const char *const r_RegisterTaskDefinitionRequest[] = {"family", "containerDefinitions"};
static const struct pu_shape sh_RegisterTaskDefinitionRequest =
    PU_STRUCT(m_RegisterTaskDefinitionRequest, r_RegisterTaskDefinitionRequest);

static const struct pu_member m_Attribute[] = {
    {"name", &pu_string},
    {"value", &pu_string},
    {"targetType", &pu_string},
    {"targetId", &pu_string},
};
static const char *const r_Attribute[] = {"name"};
static const struct pu_shape sh_Attribute = PU_STRUCT(m_Attribute, r_Attribute);

static const struct pu_shape sh_RequiresAttributes = PU_LIST(&sh_Attribute);

static const struct pu_member m_TaskDefinition[] = {
    {"taskDefinitionArn", &pu_string},
    {"containerDefinitions", &sh_ContainerDefinitions},
    {"family", &pu_string},
    {"taskRoleArn", &pu_string},
    {"executionRoleArn", &pu_string},
    {"networkMode", &pu_string},
    {"revision", &pu_int},
    {"volumes", &sh_VolumeList},
    {"status", &pu_string},
    {"requiresAttributes", &sh_RequiresAttributes},
    {"placementConstraints", &sh_TaskDefinitionPlacementConstraints},
    {"compatibilities", &sh_CompatibilityList},
    {"runtimePlatform", &sh_RuntimePlatform},
    {"requiresCompatibilities", &sh_CompatibilityList},
    {"cpu", &pu_string_or_number},
    {"memory", &pu_string_or_number},
    {"inferenceAccelerators", &sh_InferenceAccelerators},
    {"pidMode", &pu_string},
    {"ipcMode", &pu_string},
    {"proxyConfiguration", &sh_ProxyConfiguration},
    {"registeredAt", &pu_timestamp},
    {"deregisteredAt", &pu_timestamp},
    {"deleteRequestedAt", &pu_timestamp},
    {"registeredBy", &pu_string},
    {"ephemeralStorage", &sh_EphemeralStorage},
    {"enableFaultInjection", &pu_bool},
};
static const char *const r_TaskDefinition[] = {"family", "containerDefinitions"};
static const struct pu_shape sh_TaskDefinition = PU_STRUCT(m_TaskDefinition, r_TaskDefinition);

static const struct pu_member m_DescribeTaskDefinitionResponse[] = {
    {"taskDefinition", &sh_TaskDefinition},
    {"tags", &sh_Tags},
};
static const struct pu_shape sh_DescribeTaskDefinitionResponse =
    PU_STRUCT0(m_DescribeTaskDefinitionResponse);

const struct pu_shape *const pu_shape_register_request = &sh_RegisterTaskDefinitionRequest;
const struct pu_shape *const pu_shape_describe_response = &sh_DescribeTaskDefinitionResponse;
const struct pu_shape *const pu_shape_container_list = &sh_ContainerDefinitions;
