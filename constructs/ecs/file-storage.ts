import { EfsAccessPoint } from "@cdktf/provider-aws/lib/efs-access-point";
import { EfsBackupPolicy } from "@cdktf/provider-aws/lib/efs-backup-policy";
import { EfsFileSystem } from "@cdktf/provider-aws/lib/efs-file-system";
import { EfsFileSystemPolicy } from "@cdktf/provider-aws/lib/efs-file-system-policy";
import { EfsMountTarget } from "@cdktf/provider-aws/lib/efs-mount-target";
import { Construct } from "../cdktf";
import { EncryptionKey } from "../aws/kms-key";

/** NFS, the only port of an EFS mount target. */
export const NFS_PORT = 2049;

export interface PersistentVolume {
  readonly name: string;
  /** Owner of the volume's directory and the identity every client of the access point acts as. */
  readonly ownerUid?: number;
}

export interface FileStorageProps {
  readonly name: string;
  readonly privateSubnetIds: readonly string[];
  readonly securityGroupId: string;
  readonly volumes: readonly PersistentVolume[];
}

/**
 * Persistent volumes of Fargate tasks: one EFS file system, encrypted with its own KMS key, backed up by AWS
 * Backup, with a mount target in every private subnet, and one access point per volume that confines its
 * clients to the volume's directory (created with the model's owner) and, where the model names an owner,
 * makes them act as that user. A file system policy refuses clients that do not use TLS. The file system
 * cannot be destroyed by Terraform.
 */
export class FileStorage extends Construct {
  readonly fileSystem: EfsFileSystem;
  readonly accessPoints = new Map<string, EfsAccessPoint>();

  constructor(scope: Construct, id: string, props: FileStorageProps) {
    super(scope, id);
    const key = new EncryptionKey(this, "key", {
      alias: `${props.name}-efs`,
      description: `Encrypts the persistent volumes of ${props.name}`,
    });
    this.fileSystem = new EfsFileSystem(this, "file-system", {
      encrypted: true,
      kmsKeyId: key.arn,
      performanceMode: "generalPurpose",
      throughputMode: "elastic",
      lifecyclePolicy: [{ transitionToIa: "AFTER_30_DAYS" }],
      tags: { Name: `${props.name}-volumes` },
      lifecycle: { preventDestroy: true },
    });
    new EfsBackupPolicy(this, "backup", { fileSystemId: this.fileSystem.id, backupPolicy: { status: "ENABLED" } });
    new EfsFileSystemPolicy(this, "policy", {
      fileSystemId: this.fileSystem.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "TlsOnly",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "*",
            Resource: this.fileSystem.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });
    props.privateSubnetIds.forEach((subnetId, i) => {
      new EfsMountTarget(this, `mount-target-${i}`, {
        fileSystemId: this.fileSystem.id,
        subnetId,
        securityGroups: [props.securityGroupId],
      });
    });
    for (const volume of props.volumes) {
      const owner = volume.ownerUid ?? 0;
      this.accessPoints.set(
        volume.name,
        new EfsAccessPoint(this, `access-point-${volume.name}`, {
          fileSystemId: this.fileSystem.id,
          posixUser: volume.ownerUid === undefined ? undefined : { uid: volume.ownerUid, gid: volume.ownerUid },
          rootDirectory: {
            path: `/${volume.name}`,
            creationInfo: { ownerUid: owner, ownerGid: owner, permissions: "0750" },
          },
          tags: { Name: `${props.name}-${volume.name}` },
        }),
      );
    }
  }
}
