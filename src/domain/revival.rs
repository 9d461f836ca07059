//! Corrections that stay corrected (issue 10, part 3). An attendee the organizer withdrew or
//! corrected on the work page is marked in the preview of any later upload (「取り消し済み」 /
//! 「修正済み」) and skipped by its commit unless the organizer ticks the row back in: an old
//! file uploaded again must not revive a wrong number or undo a correction.

/// What the organizer did by hand to an attendee already registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PriorState {
    /// Withdrawn (取り消し) and not registered again.
    Withdrawn,
    /// Corrected: in force with corrected data, or withdrawn because the number was wrong
    /// (`to` is the right one).
    Corrected { to: Option<String> },
}

impl PriorState {
    /// From the attendee's credits: any in force, any of those corrected by hand, and the
    /// number a withdrawn entry was corrected to. None: nothing done by hand.
    pub fn of(active: bool, corrected: bool, corrected_to: Option<String>) -> Option<PriorState> {
        match (active, corrected, corrected_to) {
            (true, true, _) => Some(PriorState::Corrected { to: None }),
            (true, false, _) => None,
            (false, _, Some(to)) => Some(PriorState::Corrected { to: Some(to) }),
            (false, _, None) => Some(PriorState::Withdrawn),
        }
    }

    /// The preview's mark.
    pub fn label(&self) -> String {
        match self {
            PriorState::Withdrawn => "取り消し済み".to_string(),
            PriorState::Corrected { to: None } => "修正済み".to_string(),
            PriorState::Corrected { to: Some(to) } => {
                format!("修正済み（医籍登録番号 {to} に修正）")
            }
        }
    }
}

/// Whether the commit skips a row: an attendee withdrawn or corrected by hand, unless the
/// organizer ticked the row back in.
pub fn skipped(prior: Option<&PriorState>, ticked_back_in: bool) -> bool {
    prior.is_some() && !ticked_back_in
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_done_by_hand() {
        let to = || Some("345679".to_string());
        let cases = [
            ((true, false, None), None),
            ((true, true, None), Some(PriorState::Corrected { to: None })),
            ((false, false, None), Some(PriorState::Withdrawn)),
            ((false, false, to()), Some(PriorState::Corrected { to: to() })),
            ((false, true, to()), Some(PriorState::Corrected { to: to() })),
        ];
        for ((active, corrected, corrected_to), expected) in cases {
            assert_eq!(PriorState::of(active, corrected, corrected_to), expected);
        }
        assert_eq!(
            PriorState::Corrected { to: to() }.label(),
            "修正済み（医籍登録番号 345679 に修正）"
        );
    }

    #[test]
    fn only_a_row_ticked_back_in_revives() {
        let w = PriorState::Withdrawn;
        assert!(skipped(Some(&w), false));
        assert!(!skipped(Some(&w), true));
        assert!(!skipped(None, false));
        assert!(!skipped(None, true));
    }
}
