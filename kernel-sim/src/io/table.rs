//! The live IRPs, by id. Every request is looked up several times on its way down and
//! back up, so the table is a hash map: a lookup costs a multiplication, not a walk down
//! a tree. Its iteration order means nothing, so the table only lets itself be walked in
//! id order (oldest first), which is what anything that shows or cancels IRPs wants.

use super::irp::Irp;
use crate::ids::IrpId;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes an IRP id (a counter): Fibonacci hashing spreads consecutive ids over the
/// table. Ids are not chosen by anyone who could attack the table, and the same ids give
/// the same table on every machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The live IRPs.
#[derive(Clone, Default)]
pub struct IrpTable {
    irps: HashMap<IrpId, Irp, BuildHasherDefault<IdHasher>>,
}

impl IrpTable {
    pub fn get(&self, id: &IrpId) -> Option<&Irp> {
        self.irps.get(id)
    }

    pub fn get_mut(&mut self, id: &IrpId) -> Option<&mut Irp> {
        self.irps.get_mut(id)
    }

    pub fn contains_key(&self, id: &IrpId) -> bool {
        self.irps.contains_key(id)
    }

    pub fn insert(&mut self, id: IrpId, irp: Irp) {
        self.irps.insert(id, irp);
    }

    pub fn remove(&mut self, id: &IrpId) -> Option<Irp> {
        self.irps.remove(id)
    }

    pub fn len(&self) -> usize {
        self.irps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.irps.is_empty()
    }

    /// The live IRPs, oldest first.
    pub fn values(&self) -> impl Iterator<Item = &Irp> {
        let mut all: Vec<&Irp> = self.irps.values().collect();
        all.sort_unstable_by_key(|irp| irp.id);
        all.into_iter()
    }

    /// The live IRPs' ids, oldest first.
    pub fn keys(&self) -> impl Iterator<Item = &IrpId> {
        self.values().map(|irp| &irp.id)
    }
}

impl std::ops::Index<&IrpId> for IrpTable {
    type Output = Irp;

    fn index(&self, id: &IrpId) -> &Irp {
        &self.irps[id]
    }
}

/// In id order, so two tables with the same IRPs print alike, whatever their history.
impl std::fmt::Debug for IrpTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.values().map(|irp| (&irp.id, irp)))
            .finish()
    }
}

impl PartialEq for IrpTable {
    fn eq(&self, other: &Self) -> bool {
        self.irps == other.irps
    }
}

impl Eq for IrpTable {}
