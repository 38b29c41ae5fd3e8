/** Who is acting: Teams' stable user id (aadObjectId) in their tenant. */
export interface Actor {
  tenantId: string;
  userId: string;
}
