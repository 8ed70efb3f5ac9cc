"""Budget requests (đề nghị bố trí kinh phí): appraisal, approval, disbursements and their deadlines."""
