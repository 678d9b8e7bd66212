"""Replies the connectors send on their own (everything else comes from the Rasa domain)."""

TEXT_ONLY = (
    "Dạ, hiện trợ lý chỉ đọc được tin nhắn chữ. Quý phụ huynh và các em vui lòng gõ câu hỏi "
    "bằng chữ giúp trợ lý nhé."
)
BUTTON_EXPIRED = (
    "Dạ, lựa chọn này đã hết hạn. Quý phụ huynh vui lòng gõ lại câu hỏi giúp trợ lý nhé."
)
ASSISTANT_BUSY = (
    "Dạ, trợ lý đang bận một chút. Quý phụ huynh vui lòng nhắn lại sau ít phút nhé."
)
CHOOSE_BY_NUMBER = "Dạ, Quý phụ huynh trả lời bằng số thứ tự (ví dụ: 1) để chọn ạ."
