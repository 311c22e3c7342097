<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_TW">
<context>
    <name>AboutDialog</name>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>資料夾</translation>
    </message>
</context>
<context>
    <name>AbsenceDialog</name>
    <message>
        <source>Doctor absent or substituted</source>
        <translation>醫師停診或代診</translation>
    </message>
    <message>
        <source>Record that a doctor is away (停诊), or that another doctor stands in (换人). Every booked patient affected is then listed for the desk to call.</source>
        <translation>登記醫師停診，或由其他醫師代診。登記後會列出所有受影響的已預約病患，供櫃檯逐一致電。</translation>
    </message>
    <message>
        <source>Doctor away</source>
        <translation>停診醫師</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>The whole day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>Substitute</source>
        <translation>代診醫師</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>e.g. ill, training, family matter</source>
        <translation>例如：生病、受訓、家中有事</translation>
    </message>
    <message>
        <source>Record and list the patients</source>
        <translation>登記並列出病患</translation>
    </message>
    <message>
        <source>Nobody: the patients are moved or cancelled</source>
        <translation>無代診醫師：病患的預約需改約或取消</translation>
    </message>
    <message>
        <source>This is after {time} the day before, so it is recorded as late notice: call the patients first, they have little time to rearrange.</source>
        <translation>現在已過前一天 {time}，因此記為臨時通知：請優先致電病患，他們重新安排的時間不多。</translation>
    </message>
    <message>
        <source>Choose the doctor who is away.</source>
        <translation>請選擇停診的醫師。</translation>
    </message>
</context>
<context>
    <name>AbsenceWorklistDialog</name>
    <message>
        <source>Patients to contact</source>
        <translation>待聯絡病患</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Selected patient</source>
        <translation>所選病患</translation>
    </message>
    <message>
        <source>Offer the patient (moves the booking):</source>
        <translation>可向病患提供（點選即改約）：</translation>
    </message>
    <message>
        <source>I checked the patient&apos;s identity (real-name booking)</source>
        <translation>我已核對病患身分（實名制預約）</translation>
    </message>
    <message>
        <source>What was said, e.g. will come next week; call back after 18:00</source>
        <translation>溝通內容，例如：下週再來；18:00 後回電</translation>
    </message>
    <message>
        <source>Reached — keeps with substitute</source>
        <translation>已聯絡——保留預約，由代診醫師看診</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>The patient cancels; the note is the reason</source>
        <translation>病患取消預約；備註即為取消原因</translation>
    </message>
    <message>
        <source>Could not reach</source>
        <translation>聯絡不上</translation>
    </message>
    <message>
        <source>Move anyway</source>
        <translation>仍要改約</translation>
    </message>
    <message>
        <source>Reason for moving after the cutoff</source>
        <translation>截止後改約的原因</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>關閉</translation>
    </message>
    <message>
        <source>To contact</source>
        <translation>待聯絡</translation>
    </message>
    <message>
        <source>Contacted</source>
        <translation>已聯絡</translation>
    </message>
    <message>
        <source>Moved</source>
        <translation>已改約</translation>
    </message>
    <message>
        <source>Keeps with substitute</source>
        <translation>保留，由代診醫師看診</translation>
    </message>
    <message>
        <source>Doctor&apos;s absence</source>
        <translation>醫師停診</translation>
    </message>
    <message>
        <source>the whole day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>{doctor} is away on {day} ({span}); {substitute} stands in</source>
        <translation>{doctor}於 {day}（{span}）停診，由{substitute}代診</translation>
    </message>
    <message>
        <source>{doctor} is away on {day} ({span})</source>
        <translation>{doctor}於 {day}（{span}）停診</translation>
    </message>
    <message>
        <source>Late notice: recorded after the cutoff the day before. Call first.</source>
        <translation>臨時通知：登記時間晚於前一天的截止時間。請優先致電。</translation>
    </message>
    <message>
        <source>{done} of {total} contacted</source>
        <translation>已聯絡 {done}/{total}</translation>
    </message>
    <message numerus="yes">
        <source>%n could not be reached</source>
        <translation>
            <numerusform>%n 人聯絡不上</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>載入中…</translation>
    </message>
    <message>
        <source>No booked patient is affected.</source>
        <translation>沒有受影響的已預約病患。</translation>
    </message>
    <message>
        <source>Same time with {doctor} (substitute)</source>
        <translation>同一時間（{doctor}，代診）</translation>
    </message>
    <message>
        <source>{time} with {doctor}</source>
        <translation>{time}，醫師：{doctor}</translation>
    </message>
    <message>
        <source>Same time with {doctor}</source>
        <translation>同一時間（{doctor}）</translation>
    </message>
    <message>
        <source>{patient} · {phone} · {time} with {doctor} · {status}</source>
        <translation>{patient} · {phone} · {time}，醫師：{doctor} · {status}</translation>
    </message>
    <message>
        <source>No free time to offer right now: keep, cancel, or book on the calendar.</source>
        <translation>目前沒有可提供的空檔：可保留、取消，或在行事曆中另行預約。</translation>
    </message>
    <message>
        <source>The front desk calls the patients and moves or cancels the bookings.</source>
        <translation>由櫃檯致電病患，並為其改約或取消預約。</translation>
    </message>
    <message>
        <source>Done: the appointment was {status}. Change it on the calendar if needed.</source>
        <translation>已處理：該預約為「{status}」。如需變更，請在行事曆中操作。</translation>
    </message>
    <message>
        <source>{patient}: {status}.</source>
        <translation>{patient}：狀態為{status}。</translation>
    </message>
</context>
<context>
    <name>AddFollowupDialog</name>
    <message>
        <source>Add a follow-up</source>
        <translation>新增回訪</translation>
    </message>
    <message>
        <source>A call or message that no plan made: it appears on the list of whoever should make it from the first day.</source>
        <translation>不屬於任何回訪方案的電話或訊息：從第一天起就會出現在應負責人員的回訪清單上。</translation>
    </message>
    <message>
        <source>Find the patient: name, phone digits…</source>
        <translation>搜尋病患：姓名、電話號碼…</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>What for</source>
        <translation>回訪事由</translation>
    </message>
    <message>
        <source>e.g. ask about the new blood pressure tablets</source>
        <translation>例如：詢問新降血壓藥的服用情況</translation>
    </message>
    <message>
        <source>Call between</source>
        <translation>回訪日期：從</translation>
    </message>
    <message>
        <source>and</source>
        <translation>至</translation>
    </message>
    <message>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>回訪人</translation>
    </message>
    <message>
        <source>I will make this call myself</source>
        <translation>由我本人回訪</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>請先選擇病患：搜尋後選取一位。</translation>
    </message>
</context>
<context>
    <name>AddMemberDialog</name>
    <message>
        <source>Add a member to {card}</source>
        <translation>為會員卡 {card} 新增成員</translation>
    </message>
    <message numerus="yes">
        <source>{tier}: up to %n people, the payer included.</source>
        <translation>
            <numerusform>{tier}：最多 %n 人（含付款人）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Person</source>
        <translation>人員</translation>
    </message>
    <message>
        <source>Relation to the payer</source>
        <translation>與付款人關係</translation>
    </message>
    <message>
        <source>Find the person: name, phone digits…</source>
        <translation>搜尋人員：姓名、電話號碼…</translation>
    </message>
    <message>
        <source>Find and choose the person to add.</source>
        <translation>請搜尋並選擇要新增的人員。</translation>
    </message>
</context>
<context>
    <name>AllergySeverity</name>
    <message>
        <source>Mild</source>
        <translation>輕度</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>中度</translation>
    </message>
    <message>
        <source>Severe</source>
        <translation>重度</translation>
    </message>
    <message>
        <source>Life-threatening</source>
        <translation>危及生命</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>ClinicDesk is already open with this clinic&apos;s data on this computer. Switch to that window (look in the taskbar) instead of opening it twice.</source>
        <translation>這台電腦已開啟此診所的 ClinicDesk。請切換到該視窗（可在工作列中找到），不要重複開啟。</translation>
    </message>
</context>
<context>
    <name>Appointment</name>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Online (WeChat / website)</source>
        <translation>網路（微信／網站）</translation>
    </message>
    <message>
        <source>On site</source>
        <translation>現場</translation>
    </message>
    <message>
        <source>Referral by a partner doctor</source>
        <translation>轉介（合作醫師介紹）</translation>
    </message>
    <message>
        <source>Free-clinic event</source>
        <translation>義診</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>已預約</translation>
    </message>
    <message>
        <source>Confirmed</source>
        <translation>已確認</translation>
    </message>
    <message>
        <source>Arrived</source>
        <translation>已報到</translation>
    </message>
    <message>
        <source>In consultation</source>
        <translation>看診中</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>No-show</source>
        <translation>未到診</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>AppointmentDialog</name>
    <message>
        <source>Appointment</source>
        <translation>預約</translation>
    </message>
    <message>
        <source>{when} · {minutes} min · {doctor}</source>
        <translation>{when} · {minutes} 分鐘 · {doctor}</translation>
    </message>
    <message>
        <source>Status: {status}</source>
        <translation>狀態：{status}</translation>
    </message>
    <message>
        <source>Emergency add-on</source>
        <translation>臨時加號</translation>
    </message>
    <message>
        <source>Patient confirmed</source>
        <translation>病患已確認</translation>
    </message>
    <message>
        <source>Cancel appointment</source>
        <translation>取消預約</translation>
    </message>
    <message>
        <source>Change the series…</source>
        <translation>更改系列預約…</translation>
    </message>
    <message>
        <source>Another time, length, doctor or weekdays for this and later appointments</source>
        <translation>為本次及以後的預約更改時間、時長、醫師或星期</translation>
    </message>
    <message>
        <source>Why it is cancelled (needed to cancel)</source>
        <translation>取消原因（取消時必填）</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>關閉</translation>
    </message>
    <message>
        <source>Print slip…</source>
        <translation>列印預約單…</translation>
    </message>
    <message>
        <source>First-visit information…</source>
        <translation>初診須知…</translation>
    </message>
    <message>
        <source>Write why it is cancelled, then cancel again.</source>
        <translation>請先填寫取消原因，再點選「取消預約」。</translation>
    </message>
    <message>
        <source>Cancel a repeating appointment</source>
        <translation>取消週期預約</translation>
    </message>
    <message>
        <source>This appointment is part of a series. Which appointments should be cancelled? Past appointments stay as they are.</source>
        <translation>此預約屬於一組週期預約。要取消哪些預約？已過去的預約維持不變。</translation>
    </message>
    <message>
        <source>Only this one</source>
        <translation>僅此一次</translation>
    </message>
    <message>
        <source>This and the following ones</source>
        <translation>此次及之後的預約</translation>
    </message>
    <message>
        <source>All future ones</source>
        <translation>所有未來的預約</translation>
    </message>
    <message>
        <source>Keep them</source>
        <translation>不取消</translation>
    </message>
</context>
<context>
    <name>AppointmentGrid</name>
    <message>
        <source>Members</source>
        <translation>會員</translation>
    </message>
</context>
<context>
    <name>AppointmentStatsDialog</name>
    <message>
        <source>Appointment statistics</source>
        <translation>預約統計</translation>
    </message>
</context>
<context>
    <name>AppointmentStatsView</name>
    <message>
        <source>Appointment statistics</source>
        <translation>預約統計</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>期間</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>上個月</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>指定日期</translation>
    </message>
    <message>
        <source>By</source>
        <translation>依</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Booked by</source>
        <translation>預約管道</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>預約類型</translation>
    </message>
    <message>
        <source>Export to Excel</source>
        <translation>匯出至 Excel</translation>
    </message>
    <message>
        <source>Revisit booking rate: done visits followed by another booking with the same doctor made within 30 days</source>
        <translation>複診預約率：已完成的就診中，30 天內又預約同一位醫師的比例</translation>
    </message>
    <message>
        <source>Bookings count every appointment starting in the period, cancelled ones included. The arrival and no-show rates are over the appointments that have happened (arrived or no-show); those still to come are counted apart. A cancellation is late within the hours set under Settings, Appointments.</source>
        <translation>預約數包括該時段內開始的所有預約（含已取消）。到診率和爽約率按已發生的預約（已到診或爽約）計算；尚未到來的預約單獨統計。在「設定 → 預約」規定的小時數內取消的算作臨時取消。</translation>
    </message>
    <message>
        <source>Bookings</source>
        <translation>預約數</translation>
    </message>
    <message>
        <source>Arrivals</source>
        <translation>報到數</translation>
    </message>
    <message>
        <source>Arrival rate</source>
        <translation>報到率</translation>
    </message>
    <message>
        <source>No-shows</source>
        <translation>未到診數</translation>
    </message>
    <message>
        <source>No-show rate</source>
        <translation>未到診率</translation>
    </message>
    <message>
        <source>Cancellations</source>
        <translation>取消數</translation>
    </message>
    <message>
        <source>Late cancellations</source>
        <translation>臨時取消數</translation>
    </message>
    <message>
        <source>Add-ons</source>
        <translation>臨時加號數</translation>
    </message>
    <message>
        <source>Still to come</source>
        <translation>尚未到來</translation>
    </message>
    <message>
        <source>Visits done</source>
        <translation>已完成就診</translation>
    </message>
    <message>
        <source>Rebooked within 30 days</source>
        <translation>30 天內再預約</translation>
    </message>
    <message>
        <source>Revisit booking rate</source>
        <translation>複診預約率</translation>
    </message>
    <message>
        <source>(no type)</source>
        <translation>（未分類）</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合計</translation>
    </message>
    <message>
        <source>No appointments in this period.</source>
        <translation>此期間沒有預約。</translation>
    </message>
    <message>
        <source>Period: {first} to {last}</source>
        <translation>期間：{first} 至 {last}</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>統計</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 活頁簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Saved to {path}</source>
        <translation>已儲存至 {path}</translation>
    </message>
</context>
<context>
    <name>AppointmentType</name>
    <message>
        <source>General consult</source>
        <translation>一般門診</translation>
    </message>
    <message>
        <source>Specialist consult</source>
        <translation>專科門診</translation>
    </message>
    <message>
        <source>Physical exam</source>
        <translation>健檢</translation>
    </message>
    <message>
        <source>Follow-up visit</source>
        <translation>複診</translation>
    </message>
</context>
<context>
    <name>AppointmentTypeDialog</name>
    <message>
        <source>Add an appointment type</source>
        <translation>新增預約類型</translation>
    </message>
    <message>
        <source>Change an appointment type</source>
        <translation>修改預約類型</translation>
    </message>
    <message>
        <source>The usual length is offered when booking; each booking may still be longer or shorter. Bookings already made keep their own length.</source>
        <translation>預約時會預設使用常用時長，每次預約仍可延長或縮短。既有預約的時長維持不變。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>e.g. 中医推拿</source>
        <translation>例如：中醫推拿</translation>
    </message>
    <message>
        <source>Usual length</source>
        <translation>常用時長</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分鐘</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>顏色</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>所需診間或設備</translation>
    </message>
    <message>
        <source>Counts against a membership benefit</source>
        <translation>計入會員權益</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（無）</translation>
    </message>
    <message>
        <source>No rooms or devices yet. Add them on the Rooms and devices tab.</source>
        <translation>尚未新增診間或設備。請在「診間和設備」分頁中新增。</translation>
    </message>
</context>
<context>
    <name>AttachmentDialog</name>
    <message>
        <source>Add a report or file</source>
        <translation>新增報告或檔案</translation>
    </message>
    <message>
        <source>Title (e.g. Blood test)</source>
        <translation>標題（例如：血液檢查）</translation>
    </message>
    <message>
        <source>Kind of document</source>
        <translation>文件類型</translation>
    </message>
    <message>
        <source>The file is kept inside the encrypted clinic file; the original can be deleted afterwards.</source>
        <translation>檔案會存放在診所的加密資料中；之後可以刪除原始檔案。</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>選擇…</translation>
    </message>
    <message>
        <source>File</source>
        <translation>檔案</translation>
    </message>
    <message>
        <source>Choose the file</source>
        <translation>選擇檔案</translation>
    </message>
    <message>
        <source>Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</source>
        <translation>報告與影像 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有檔案 (*)</translation>
    </message>
</context>
<context>
    <name>AttachmentKind</name>
    <message>
        <source>Examination report</source>
        <translation>檢查報告</translation>
    </message>
    <message>
        <source>Laboratory result</source>
        <translation>檢驗結果</translation>
    </message>
    <message>
        <source>Imaging (X-ray, ultrasound, CT)</source>
        <translation>影像檢查（X 光、超音波、CT）</translation>
    </message>
    <message>
        <source>ECG</source>
        <translation>心電圖</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>信函</translation>
    </message>
    <message>
        <source>Referral document</source>
        <translation>轉診資料</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>AttentionBanner</name>
    <message numerus="yes">
        <source>⚠ %n items need attention — show them</source>
        <extracomment>open ``target`` on the page ``key`` (see ``AttentionPanel.sig_open``) a new list arrived (``AttentionList``)</extracomment>
        <translation>
            <numerusform>⚠ 有 %n 項需要處理，點選查看</numerusform>
        </translation>
    </message>
    <message>
        <source>Clashes from two workstations that worked while they could not reach each other. Click to see what to do.</source>
        <translation>兩台工作站在無法互相連線期間各自作業而產生的衝突。點選查看處理方式。</translation>
    </message>
</context>
<context>
    <name>AttentionPanel</name>
    <message>
        <source>Needs attention</source>
        <extracomment>open ``target`` on the page ``key`` (&quot;calendar&quot;, &quot;reception&quot;, &quot;patients&quot;)</extracomment>
        <translation>需要處理</translation>
    </message>
    <message>
        <source>Two workstations that could not reach each other made changes that clash. Settle each one as usual; the change reaches every workstation and the item leaves this list.</source>
        <translation>兩台無法互相連線的工作站做了互相衝突的變更。請依平常的方式逐項處理；處理結果會同步到每台工作站，該項目也會從此清單中移除。</translation>
    </message>
    <message>
        <source>Nothing needs attention now.</source>
        <translation>目前沒有需要處理的事項。</translation>
    </message>
</context>
<context>
    <name>AttentionTexts</name>
    <message>
        <source>today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>tomorrow</source>
        <translation>明天</translation>
    </message>
    <message>
        <source>on {month}/{day}</source>
        <translation>{month}月{day}日</translation>
    </message>
    <message>
        <source>{doctor} has two bookings at {time} {date} (made at two desks while offline)</source>
        <translation>{doctor}{date} {time} 有兩筆預約（離線期間在兩台工作站上分別預約）</translation>
    </message>
    <message>
        <source>A doctor</source>
        <translation>某位醫師</translation>
    </message>
    <message>
        <source>{resource} is booked twice at {time} {date} (made at two desks while offline)</source>
        <translation>{resource}{date} {time} 被預約了兩次（離線期間在兩台工作站上分別預約）</translation>
    </message>
    <message>
        <source>A room or device</source>
        <translation>某個診間或設備</translation>
    </message>
    <message>
        <source>A patient</source>
        <translation>某位病患</translation>
    </message>
    <message>
        <source>{patient} was checked in twice {date} for one booking</source>
        <translation>{patient}{date}以同一筆預約報到了兩次</translation>
    </message>
    <message>
        <source>{patient} was checked in twice {date}</source>
        <translation>{patient}{date}報到了兩次</translation>
    </message>
    <message>
        <source>Queue number {no} was given twice {date}</source>
        <translation>{date}的看診號碼 {no} 發出了兩次</translation>
    </message>
    <message>
        <source>Record number {no} is on two patients</source>
        <translation>病歷號 {no} 同時分配給了兩位病患</translation>
    </message>
    <message>
        <source>{benefit} of {payer}&apos;s membership (card {card}) used {used} times of {quota} from {first} to {last} (recorded at two desks while offline)</source>
        <translation>{payer}的會員（卡號 {card}）{benefit}在 {first} 至 {last} 期間已用 {used} 次，額度 {quota} 次（兩台電腦離線時各自登記）</translation>
    </message>
    <message>
        <source>Two workstations made changes that clash ({kind})</source>
        <translation>兩台工作站的變更互相衝突（{kind}）</translation>
    </message>
    <message>
        <source>Call the patients if needed, then cancel or move one of the two bookings on the calendar.</source>
        <translation>如有需要請先聯絡病患，再於行事曆中取消其中一筆預約或為其改約。</translation>
    </message>
    <message>
        <source>That day is over; nothing to do unless the records are wrong.</source>
        <translation>當天已經結束；除非紀錄有誤，否則無需處理。</translation>
    </message>
    <message>
        <source>Keep one of the two places in the queue: select the other on the board and choose “Left without being seen”.</source>
        <translation>兩個候診位置只保留一個：在看板上選取另一個，然後選擇「未看診離開」。</translation>
    </message>
    <message>
        <source>That day is over; nothing to do.</source>
        <translation>當天已經結束，無需處理。</translation>
    </message>
    <message>
        <source>Both patients hold the same number: when it is called, call them by name too.</source>
        <translation>兩位病患拿到的是同一個號碼：叫到這個號碼時，請同時叫病患的姓名。</translation>
    </message>
    <message>
        <source>If both files are the same person, merge them in Patients; otherwise tell whoever looks after ClinicDesk, who will give one file a new number.</source>
        <translation>如果兩份檔案是同一個人，請在「病患」中合併；否則請告知負責維護 ClinicDesk 的人員，由其為其中一份檔案分配新的病歷號。</translation>
    </message>
    <message>
        <source>Both uses are kept. Settle the extra one with the member (charge it, or agree it), then press Seen under Membership → Reports → Allowances overdrawn.</source>
        <translation>兩次使用都已保留。請與會員商定多出的一次（另行收費或雙方同意），然後在「會員 → 報表 → 超額使用」中點「已閱」。</translation>
    </message>
    <message>
        <source>Tell whoever looks after ClinicDesk.</source>
        <translation>請告知負責維護 ClinicDesk 的人員。</translation>
    </message>
    <message>
        <source>Open the calendar</source>
        <translation>開啟行事曆</translation>
    </message>
    <message>
        <source>Show on the board</source>
        <translation>在看板上顯示</translation>
    </message>
    <message>
        <source>Show the two patients</source>
        <translation>查看這兩位病患</translation>
    </message>
    <message>
        <source>Open the membership</source>
        <translation>開啟會員資料</translation>
    </message>
</context>
<context>
    <name>BenefitsTable</name>
    <message>
        <source>Benefit</source>
        <translation>權益</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>類型</translation>
    </message>
    <message>
        <source>How many</source>
        <translation>次數</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>每</translation>
    </message>
    <message>
        <source>What the member gets, in your words</source>
        <translation>會員可享有的內容（自行填寫）</translation>
    </message>
    <message>
        <source>Included</source>
        <translation>包含</translation>
    </message>
    <message>
        <source>Allowance</source>
        <translation>額度</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
</context>
<context>
    <name>BookingDialog</name>
    <message>
        <source>New appointment</source>
        <translation>新增預約</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>姓名、拼音首字母、電話號碼或病歷號</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>預約類型</translation>
    </message>
    <message>
        <source>When</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分鐘</translation>
    </message>
    <message>
        <source>Booked by</source>
        <translation>預約管道</translation>
    </message>
    <message>
        <source>Reason for the visit</source>
        <translation>就診原因</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Emergency add-on (临时加号): book even if the doctor is full</source>
        <translation>臨時加號：醫師已約滿時仍可預約</translation>
    </message>
    <message>
        <source>I have checked the patient&apos;s identity (real-name booking)</source>
        <translation>我已核對病患身分（實名制預約）</translation>
    </message>
    <message>
        <source>Copy to send</source>
        <translation>複製以便傳送</translation>
    </message>
    <message>
        <source>Print for the patient…</source>
        <translation>列印給病患…</translation>
    </message>
    <message>
        <source>Print the slip</source>
        <translation>列印預約單</translation>
    </message>
    <message>
        <source>Print the appointment slip after booking</source>
        <translation>預約完成後列印預約單</translation>
    </message>
    <message>
        <source>Reason for booking after the cutoff</source>
        <translation>截止後預約的原因</translation>
    </message>
    <message>
        <source>Allow with a reason…</source>
        <translation>填寫原因特批…</translation>
    </message>
    <message>
        <source>Why this visit is allowed past the allowance (kept in the audit log)</source>
        <translation>超出額度仍允許本次預約的原因（將記入稽核紀錄）</translation>
    </message>
    <message>
        <source>Book</source>
        <translation>預約</translation>
    </message>
    <message>
        <source>Repeat this appointment</source>
        <translation>設為週期預約</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>每</translation>
    </message>
    <message>
        <source>day(s)</source>
        <translation>天</translation>
    </message>
    <message>
        <source>week(s)</source>
        <translation>週</translation>
    </message>
    <message>
        <source>month(s)</source>
        <translation>個月</translation>
    </message>
    <message>
        <source>On</source>
        <comment>the weekdays of a weekly repeat</comment>
        <translation>於</translation>
    </message>
    <message>
        <source>Ends</source>
        <translation>結束</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>不設結束日期</translation>
    </message>
    <message>
        <source>On</source>
        <comment>a series ends on a date</comment>
        <translation>於</translation>
    </message>
    <message>
        <source>After</source>
        <translation>共</translation>
    </message>
    <message>
        <source>times</source>
        <translation>次</translation>
    </message>
    <message>
        <source>On public holidays</source>
        <translation>遇國定假日</translation>
    </message>
    <message>
        <source>Skip the day</source>
        <translation>跳過當天</translation>
    </message>
    <message>
        <source>Book and flag it</source>
        <translation>照常預約並標記</translation>
    </message>
    <message>
        <source>A series books every date or none. Notes and the add-on mark are for single appointments.</source>
        <translation>週期預約要麼所有日期都預約成功，要麼一個都不預約。備註和臨時加號僅適用於單次預約。</translation>
    </message>
    <message numerus="yes">
        <source>Skip these %n date(s) and book the rest</source>
        <translation>
            <numerusform>跳過這 %n 個日期，預約其餘日期</numerusform>
        </translation>
    </message>
    <message>
        <source>{day} is a public holiday ({name}): skipped</source>
        <translation>{day} 是國定假日（{name}）：已跳過</translation>
    </message>
    <message>
        <source>{day} is a public holiday ({name}): booked and flagged</source>
        <translation>{day} 是國定假日（{name}）：照常預約並標記</translation>
    </message>
    <message>
        <source>No date to book: every date is a skipped holiday.</source>
        <translation>沒有可預約的日期：所有日期都是要跳過的假日。</translation>
    </message>
    <message numerus="yes">
        <source>%n appointment(s): {dates}</source>
        <translation>
            <numerusform>共 %n 次預約：{dates}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more holiday(s)</source>
        <translation>
            <numerusform>另有 %n 個假日</numerusform>
        </translation>
    </message>
    <message>
        <source>No end: booked up to {day} now; later dates are added as time passes.</source>
        <translation>不設結束日期：目前預約到 {day}，之後的日期會隨時間推移自動補約。</translation>
    </message>
    <message>
        <source>Member: {tier} — priority booking</source>
        <translation>會員：{tier}——優先預約</translation>
    </message>
    <message>
        <source>Member: {tier}</source>
        <translation>會員：{tier}</translation>
    </message>
    <message>
        <source>(suspended)</source>
        <translation>（已暫停）</translation>
    </message>
    <message>
        <source>Home visits: {left} of {quota} left (until {last})</source>
        <translation>到府服務：剩餘 {left} 次（共 {quota} 次，至 {last} 止）</translation>
    </message>
    <message>
        <source>This membership has no home-visit allowance: this home visit is not counted against an allowance</source>
        <translation>此會員沒有到府服務額度：本次到府服務不計入額度</translation>
    </message>
    <message>
        <source>Not a member: this home visit is not counted against an allowance</source>
        <translation>非會員：本次到府服務不計入額度</translation>
    </message>
    <message>
        <source>Give the reason, then press Book again: the visit is counted past the allowance and the reason is kept in the audit log.</source>
        <translation>請填寫原因，然後再按一次「預約」：本次將超出額度計入，原因會記入稽核紀錄。</translation>
    </message>
    <message>
        <source>Book the time held for members anyway</source>
        <translation>使用會員保留時段，仍要預約</translation>
    </message>
    <message>
        <source>the doctor is already booked then</source>
        <translation>醫師該時段已有預約</translation>
    </message>
    <message>
        <source>a room or device is taken then</source>
        <translation>該時段診間或設備已被佔用</translation>
    </message>
    <message>
        <source>past the booking cutoff</source>
        <translation>已過預約截止時間</translation>
    </message>
    <message>
        <source>the time has passed</source>
        <translation>時間已過</translation>
    </message>
    <message>
        <source>outside the doctor&apos;s working hours</source>
        <translation>不在醫師看診時段內</translation>
    </message>
    <message>
        <source>the patient has another appointment then</source>
        <translation>病患該時段已有其他預約</translation>
    </message>
    <message>
        <source>First visit — tell the patient:</source>
        <translation>初診——請告知病患：</translation>
    </message>
    <message>
        <source>Returning patient: suggested times with the usual doctor</source>
        <translation>複診病患：以下為常看醫師的建議時段</translation>
    </message>
    <message>
        <source>(choose)</source>
        <translation>（請選擇）</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>請先選擇病患：搜尋後選取一位。</translation>
    </message>
    <message>
        <source>Choose a doctor.</source>
        <translation>請選擇醫師。</translation>
    </message>
    <message>
        <source>Book it although the time has passed</source>
        <translation>時間已過，仍要預約</translation>
    </message>
    <message>
        <source>Book outside the doctor&apos;s working hours</source>
        <translation>在醫師看診時段以外預約</translation>
    </message>
    <message>
        <source>Book on a day the clinic is closed</source>
        <translation>在診所休診日預約</translation>
    </message>
    <message>
        <source>The patient has another appointment then: book anyway</source>
        <translation>病患該時段已有其他預約：仍要預約</translation>
    </message>
    <message>
        <source>Book after the cutoff (director, with a reason)</source>
        <translation>截止後預約（限院長，需填寫原因）</translation>
    </message>
</context>
<context>
    <name>CalendarPage</name>
    <message>
        <source>%n free</source>
        <translation>剩 %n 個</translation>
    </message>
    <message>
        <source>, %n for members</source>
        <translation>，會員保留 %n 個</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>休診</translation>
    </message>
    <message>
        <source>Mon</source>
        <translation>週一</translation>
    </message>
    <message>
        <source>Tue</source>
        <translation>週二</translation>
    </message>
    <message>
        <source>Wed</source>
        <translation>週三</translation>
    </message>
    <message>
        <source>Thu</source>
        <translation>週四</translation>
    </message>
    <message>
        <source>Fri</source>
        <translation>週五</translation>
    </message>
    <message>
        <source>Sat</source>
        <translation>週六</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>週日</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Earlier (PgUp)</source>
        <translation>往前（PgUp）</translation>
    </message>
    <message>
        <source>Later (PgDown)</source>
        <translation>往後（PgDown）</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>週</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <source>New appointment…</source>
        <translation>新增預約…</translation>
    </message>
    <message>
        <source>Book an appointment (Ctrl+N)</source>
        <translation>新增預約（Ctrl+N）</translation>
    </message>
    <message>
        <source>Doctor absence…</source>
        <translation>醫師停診…</translation>
    </message>
    <message>
        <source>A doctor cannot come (停诊) or another doctor stands in: list the patients to call</source>
        <translation>醫師停診或由其他醫師代診：列出需致電的病患</translation>
    </message>
    <message>
        <source>Waitlist</source>
        <translation>候補名單</translation>
    </message>
    <message>
        <source>Statistics…</source>
        <translation>統計…</translation>
    </message>
    <message>
        <source>Bookings, arrivals, no-shows and late cancellations by day, doctor, channel (A9)</source>
        <translation>依日期、醫師、預約管道統計預約、報到、未到診和臨時取消（A9）</translation>
    </message>
    <message>
        <source>{year}-{month:02d}</source>
        <translation>{year}年{month:02d}月</translation>
    </message>
    <message>
        <source>Week of {day}</source>
        <translation>{day} 起的一週</translation>
    </message>
    <message>
        <source>No doctor can be booked yet. The director adds doctors&apos; working hours under Settings → Rosters.</source>
        <translation>目前還沒有可預約的醫師。請院長在「設定 → 排班」中新增醫師的看診時段。</translation>
    </message>
    <message numerus="yes">
        <source>%n appointment(s)</source>
        <translation>
            <numerusform>%n 筆預約</numerusform>
        </translation>
    </message>
    <message>
        <source>Only this appointment moves to another day; to change the weekdays of the series use Change the series…</source>
        <translation>只有這一次預約改到另一天；要更改系列的星期，請用「更改系列預約…」</translation>
    </message>
    <message>
        <source>Move the appointment</source>
        <translation>更改預約</translation>
    </message>
    <message>
        <source>Move {patient} to {when} with {doctor}? Check the patient&apos;s identity (real-name booking) when you tell them.</source>
        <translation>將{patient}的預約改到 {when}，由{doctor}看診？通知病患時請核對其身分（實名制預約）。</translation>
    </message>
    <message>
        <source>Move it anyway?</source>
        <translation>仍要更改嗎？</translation>
    </message>
    <message>
        <source>Please confirm</source>
        <translation>請確認</translation>
    </message>
    <message>
        <source>Not moved</source>
        <translation>預約未更改</translation>
    </message>
</context>
<context>
    <name>CallDialog</name>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Second phone</source>
        <translation>備用電話</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>電子郵件</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>電話回訪</translation>
    </message>
    <message>
        <source>What to say</source>
        <translation>話術</translation>
    </message>
    <message>
        <source>How to reach them (click to copy)</source>
        <translation>聯絡方式（點選複製）</translation>
    </message>
    <message>
        <source>From the record</source>
        <translation>病歷摘要</translation>
    </message>
    <message>
        <source>Earlier attempts</source>
        <translation>先前的回訪紀錄</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>回訪結果</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>已聯絡上</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>無人接聽</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>號碼錯誤</translation>
    </message>
    <message>
        <source>Refused to talk</source>
        <translation>拒絕交談</translation>
    </message>
    <message>
        <source>By</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Did the level 1 and 2 calls happen?</source>
        <translation>第 1、2 級回訪是否已完成？</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>康復情況</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>用藥情況</translation>
    </message>
    <message>
        <source>Satisfaction, 1 (very dissatisfied) to 5 (very satisfied): click, or press 1-5 on the row; leave it empty if the patient did not answer.</source>
        <translation>滿意度評分，1（非常不滿意）至 5（非常滿意）：點選評分，或在該列按 1-5 鍵；病患未回答則留空。</translation>
    </message>
    <message>
        <source>1 = very dissatisfied … 5 = very satisfied; 0 clears</source>
        <translation>1 = 非常不滿意 … 5 = 非常滿意；0 清除</translation>
    </message>
    <message>
        <source>Anything else the patient said</source>
        <translation>病患的其他回饋</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>意見和建議</translation>
    </message>
    <message>
        <source>Forward to department</source>
        <translation>轉知科別</translation>
    </message>
    <message>
        <source>The department gets the suggestions as an item to answer (抄告)</source>
        <translation>科別會收到這些建議，作為待回覆事項（轉知，即抄告）</translation>
    </message>
    <message>
        <source>The patient is complaining</source>
        <translation>病患有投訴</translation>
    </message>
    <message>
        <source>Opens a complaint with you as its owner until it is closed</source>
        <translation>建立一筆投訴，由您負責跟進直到結案</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>投訴內容</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Confirm the appointment</source>
        <translation>確認預約</translation>
    </message>
    <message>
        <source>Send the follow-up advice</source>
        <translation>傳送回診建議</translation>
    </message>
    <message>
        <source>Queues the “follow-up advice” message for the patient in the outbox</source>
        <translation>將「回診建議」訊息加入該病患的待傳送佇列</translation>
    </message>
    <message>
        <source>Print the call record…</source>
        <translation>列印回訪紀錄…</translation>
    </message>
    <message>
        <source>The follow-up form filled from this call</source>
        <translation>依本次回訪內容填寫的回訪表</translation>
    </message>
    <message>
        <source>Save the call</source>
        <translation>儲存回訪</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>關閉</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在載入…</translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n 歲</numerusform>
        </translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>病歷號 {no}</translation>
    </message>
    <message>
        <source>Doctor: {name}</source>
        <translation>醫師：{name}</translation>
    </message>
    <message>
        <source>Department: {name}</source>
        <translation>科別：{name}</translation>
    </message>
    <message>
        <source>Appointment: {time}</source>
        <translation>預約：{time}</translation>
    </message>
    <message>
        <source>Address: {address}</source>
        <translation>地址：{address}</translation>
    </message>
    <message>
        <source>Due {first} to {last}</source>
        <translation>應於 {first} 至 {last} 回訪</translation>
    </message>
    <message>
        <source>The clinical summary is not shown for your role.</source>
        <translation>您的角色無權查看病歷摘要。</translation>
    </message>
    <message>
        <source>Nothing recorded yet.</source>
        <translation>尚無紀錄。</translation>
    </message>
    <message>
        <source>This patient has died. Do not call; close the task.</source>
        <translation>該病患已過世。請勿致電，並關閉此任務。</translation>
    </message>
    <message>
        <source>This patient asked not to be called. Do not call; close the task.</source>
        <translation>該病患要求不接聽電話。請勿致電，並關閉此任務。</translation>
    </message>
    <message>
        <source>the doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Hello, is this {who}? This is {me} from {clinic}.</source>
        <translation>您好，請問是{who}嗎？我是{clinic}的{me}。</translation>
    </message>
    <message>
        <source>This follow-up is a {channel} to {who}: the recovery advice and a reminder to come back if it does not get better.</source>
        <translation>本次回訪以{channel}的方式傳給{who}：內容為康復建議，並提醒如未好轉請回診。</translation>
    </message>
    <message>
        <source>Queue it with “Send the follow-up advice”, then save the follow-up as reached. If there is no way to send it, call instead.</source>
        <translation>請點選「傳送回診建議」將其加入待傳送佇列，然後將回訪儲存為「已聯絡上」。如無法傳送，請改為電話回訪。</translation>
    </message>
    <message>
        <source>We are calling to confirm your appointment with {doctor} at {time}. Will you be able to come?</source>
        <translation>我們打電話來確認您 {time} 在{doctor}處的預約。請問您能準時來嗎？</translation>
    </message>
    <message>
        <source>Yes: tick “Confirm the appointment”. No: offer another time, and note what the patient said.</source>
        <translation>能來：勾選「確認預約」。不能來：為病患另約時間，並記下病患的說法。</translation>
    </message>
    <message>
        <source>You had an appointment with {doctor} at {time} and we missed you. We hope all is well. Would you like to book another time?</source>
        <translation>您原本預約了 {time} 在{doctor}處看診，但沒有見到您。希望您一切安好。需要為您重新預約嗎？</translation>
    </message>
    <message>
        <source>Note the reason the patient gives.</source>
        <translation>記下病患提出的原因。</translation>
    </message>
    <message>
        <source>We are calling about: {what}</source>
        <translation>我們來電是關於：{what}</translation>
    </message>
    <message>
        <source>Thank you for visiting us recently. To improve our service we are asking a few of our patients about their visit. It takes about three minutes; may I ask you a few questions?</source>
        <translation>感謝您近期來我們診所就診。為了改進服務，我們正在請部分患者談談就診感受，大約需要三分鐘，可以請教您幾個問題嗎？</translation>
    </message>
    <message>
        <source>Read the questions on the right one by one; for each, the patient gives a score from 1 (very dissatisfied) to 5 (very satisfied). Write down anything else they say.</source>
        <translation>逐條讀出右側的問題，請患者為每一項打分：1（很不滿意）到 5（很滿意）。患者的其他意見請如實記下。</translation>
    </message>
    <message>
        <source>Thank you very much, {who}, for your time and your opinion. We wish you good health.</source>
        <translation>非常感謝{who}抽出時間給我們提意見，祝您身體健康！</translation>
    </message>
    <message>
        <source>We are calling to see how you are after your visit with {doctor}. Do you have a few minutes?</source>
        <translation>我們打電話來問問您在{doctor}處看診後恢復得如何。請問您現在方便談幾分鐘嗎？</translation>
    </message>
    <message>
        <source>How are you feeling now?</source>
        <translation>您現在感覺如何？</translation>
    </message>
    <message>
        <source>Are you taking your medicine as the doctor advised?</source>
        <translation>您有沒有依醫師的指示服藥？</translation>
    </message>
    <message>
        <source>On the day you went home, did a nurse call you? And did {doctor} call you in the two weeks after?</source>
        <translation>您出院當天，護理師有沒有打電話給您？出院後兩週內，{doctor}有沒有打過電話給您？</translation>
    </message>
    <message>
        <source>On a scale of 1 to 5, how satisfied are you with your visit? (the questions on the right)</source>
        <translation>以 1 到 5 分，您對這次看診的滿意程度如何？（問題見右側）</translation>
    </message>
    <message>
        <source>Is there anything we could do better?</source>
        <translation>您覺得我們還有哪些地方可以做得更好？</translation>
    </message>
    <message>
        <source>Thank you, {who}. Call us any time if anything changes.</source>
        <translation>謝謝您，{who}。如有任何變化，請隨時打電話給我們。</translation>
    </message>
    <message>
        <source>Queued to {address}. Save the follow-up to finish it.</source>
        <translation>已加入待傳送佇列，傳送至 {address}。請儲存回訪以完成此任務。</translation>
    </message>
    <message>
        <source>How is the wound healing? Any fever, redness or pain?</source>
        <translation>傷口癒合得如何？有沒有發燒、紅腫或疼痛？</translation>
    </message>
    <message>
        <source>Any bleeding, pain or fever since the procedure?</source>
        <translation>術後有沒有出血、疼痛或發燒？</translation>
    </message>
    <message>
        <source>Are your readings (blood pressure, blood sugar) under control?</source>
        <translation>您的數值（血壓、血糖）控制得好嗎？</translation>
    </message>
    <message>
        <source>Have you arranged the further check the report recommended?</source>
        <translation>報告建議的進一步檢查，您安排了嗎？</translation>
    </message>
    <message>
        <source>Have the fever and the cough gone?</source>
        <translation>發燒和咳嗽好了嗎？</translation>
    </message>
    <message>
        <source>Copy to the clipboard</source>
        <translation>複製到剪貼簿</translation>
    </message>
    <message>
        <source>No phone or other contact recorded.</source>
        <translation>未登錄電話或其他聯絡方式。</translation>
    </message>
    <message>
        <source>Copied {value} to the clipboard.</source>
        <translation>已將 {value} 複製到剪貼簿。</translation>
    </message>
    <message>
        <source>Level {level} ({who}): {state}</source>
        <translation>第 {level} 級（{who}）：{state}</translation>
    </message>
    <message>
        <source>None: this is the first.</source>
        <translation>無：這是第一次回訪。</translation>
    </message>
    <message>
        <source>Choose the outcome of the call first.</source>
        <translation>請先選擇回訪結果。</translation>
    </message>
    <message>
        <source>Write what the patient complains about, or untick the complaint.</source>
        <translation>請填寫病患投訴的內容，或取消勾選「病患有投訴」。</translation>
    </message>
    <message>
        <source>Choose or type the department the suggestions go to.</source>
        <translation>請選擇或輸入接收建議的科別。</translation>
    </message>
    <message>
        <source>Write the suggestions to forward, or untick the forwarding.</source>
        <translation>請填寫要轉知的建議，或取消勾選「轉知科別」。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已儲存。</translation>
    </message>
    <message>
        <source>Saved. No answer: the call comes back after {time}.</source>
        <translation>已儲存。無人接聽：此回訪將在 {time} 後重新出現。</translation>
    </message>
    <message>
        <source>Saved. The task is closed: {reason}.</source>
        <translation>已儲存。任務已關閉：{reason}。</translation>
    </message>
    <message>
        <source>Saved. This call is done.</source>
        <translation>已儲存。此次回訪已完成。</translation>
    </message>
    <message>
        <source>The suggestions were forwarded to {department}.</source>
        <translation>建議已轉知{department}。</translation>
    </message>
    <message>
        <source>A complaint was opened; you own it until it is closed.</source>
        <translation>已建立一筆投訴；在結案之前由您負責。</translation>
    </message>
</context>
<context>
    <name>CampaignDialog</name>
    <message>
        <source>Health reminders</source>
        <translation>健康提醒</translation>
    </message>
    <message>
        <source>Send a seasonal tip or a reminder to a group of patients. Each gets it on their own channel (SMS, WeChat or e-mail), addressed politely; patients who opted out of messages are left out. Never name a diagnosis or a medicine in the text.</source>
        <translation>向一組病患傳送季節性健康提示或提醒。每位病患透過各自的管道（簡訊、微信或電子郵件）收到，並以禮貌的稱呼開頭；已拒收訊息的病患不會收到。內文中切勿提及診斷或藥品。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>e.g. Flu season 2026</source>
        <translation>例如：2026 年流感季提醒</translation>
    </message>
    <message>
        <source>Who gets it</source>
        <translation>傳送對象</translation>
    </message>
    <message>
        <source>Condition contains</source>
        <translation>慢性病名稱包含</translation>
    </message>
    <message>
        <source>e.g. 高血压, or empty for everyone</source>
        <translation>例如：高血壓；留空則為全部病患</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年齡</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>any</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Women</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Men</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Visited since</source>
        <translation>就診時間</translation>
    </message>
    <message>
        <source>only patients seen since</source>
        <translation>僅限此日期以來就診過的病患</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>就診類別</translation>
    </message>
    <message>
        <source>Any</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>The message</source>
        <translation>訊息內容</translation>
    </message>
    <message>
        <source>Subject (e-mail)</source>
        <translation>主旨（電子郵件）</translation>
    </message>
    <message>
        <source>Past health reminders</source>
        <translation>以往的健康提醒</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>發起時間</translation>
    </message>
    <message>
        <source>By</source>
        <translation>發起人</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>已排入</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>未傳送</translation>
    </message>
    <message>
        <source>Messages now</source>
        <translation>訊息現況</translation>
    </message>
    <message>
        <source>Start…</source>
        <translation>發起…</translation>
    </message>
    <message>
        <source>{n} {reason}</source>
        <translation>{reason} {n} 人</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>{n} {state}</source>
        <translation>{state} {n} 則</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) will get it.</source>
        <translation>
            <numerusform>將有 %n 位病患收到。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{reach}; %n skipped ({why}).</source>
        <translation>
            <numerusform>{reach}；%n 人不傳送（{why}）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) will get it</source>
        <translation>
            <numerusform>將有 %n 位病患收到</numerusform>
        </translation>
    </message>
    <message>
        <source>Counting the patients…</source>
        <translation>正在統計病患人數…</translation>
    </message>
    <message>
        <source>Ms Zhang reads: {text}</source>
        <translation>張女士將看到：{text}</translation>
    </message>
    <message>
        <source>Start the health reminder</source>
        <translation>發起健康提醒</translation>
    </message>
    <message numerus="yes">
        <source>Queue “{name}” for %n patient(s)? E-mails go with the next sending; SMS and WeChat messages with the next batch export.</source>
        <translation>
            <numerusform>要為 %n 位病患排入傳送「{name}」嗎？電子郵件將在下次傳送時寄出；簡訊和微信訊息將在下次匯出批次檔案時送出。</numerusform>
        </translation>
    </message>
    <message>
        <source>Queuing the messages…</source>
        <translation>正在排入訊息…</translation>
    </message>
    <message numerus="yes">
        <source>Queued for %n patient(s).</source>
        <translation>
            <numerusform>已為 %n 位病患排入。</numerusform>
        </translation>
    </message>
    <message>
        <source>Not sent to: {who}.</source>
        <translation>未傳送：{who}。</translation>
    </message>
</context>
<context>
    <name>CandidatesBox</name>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Wants</source>
        <translation>需求</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>優先順序</translation>
    </message>
    <message>
        <source>Waiting since</source>
        <translation>候補起始時間</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>隱藏</translation>
    </message>
    <message>
        <source>{time} with {doctor} ({minutes} min)</source>
        <translation>{time}，{doctor}（{minutes} 分鐘）</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候補中</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>已通知</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>已預約</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>已移除</translation>
    </message>
    <message>
        <source>Freed: {slot}. Who on the waitlist could take it:</source>
        <translation>空出時段：{slot}。候補名單中可安排的病患：</translation>
    </message>
    <message>
        <source>Freed: {slot}. Nobody on the waitlist can take it.</source>
        <translation>空出時段：{slot}。候補名單中沒有可安排的病患。</translation>
    </message>
    <message>
        <source>Offer</source>
        <translation>標記已通知</translation>
    </message>
    <message>
        <source>You offered the slot to this patient (by phone or message)</source>
        <translation>您已（透過電話或簡訊）將此時段告知該病患</translation>
    </message>
    <message>
        <source>Book…</source>
        <translation>預約…</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>病患婉拒</translation>
    </message>
    <message>
        <source>The patient said no; they keep waiting</source>
        <translation>病患不接受此時段，繼續候補</translation>
    </message>
    <message>
        <source>offered {slot}</source>
        <translation>已向病患提供時段 {slot}</translation>
    </message>
</context>
<context>
    <name>CareTeamDialog</name>
    <message>
        <source>Care team of {card}</source>
        <translation>會員卡 {card} 的健康管家團隊</translation>
    </message>
    <message>
        <source>The members&apos; named care team: choose a staff member, or type the name and phone of someone outside the clinic.</source>
        <translation>為會員指定專屬健康管家團隊：選擇本診所員工，或填寫診所外人員的姓名和電話。</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>人員</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Add a person</source>
        <translation>新增人員</translation>
    </message>
    <message>
        <source>(nobody yet)</source>
        <translation>（尚未指定）</translation>
    </message>
    <message>
        <source>Someone outside the clinic</source>
        <translation>診所外人員</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
</context>
<context>
    <name>ChangePassphraseDialog</name>
    <message>
        <source>Change the clinic passphrase</source>
        <translation>變更診所通關密語</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data. Change it if someone who knew it should no longer have it. Backups made before today still open with the old passphrase (or the recovery key).</source>
        <translation>通關密語用於解鎖診所的加密資料。如果知道通關密語的人不應再持有它，請變更通關密語。今天以前建立的備份仍需使用舊通關密語（或復原金鑰）開啟。</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>目前的通關密語</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>新通關密語</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>再次輸入新通關密語</translation>
    </message>
    <message>
        <source>Type the current passphrase.</source>
        <translation>請輸入目前的通關密語。</translation>
    </message>
    <message>
        <source>The two new passphrases are not the same. Type the same passphrase twice.</source>
        <translation>兩次輸入的新通關密語不一致。請輸入兩次相同的通關密語。</translation>
    </message>
    <message>
        <source>Changing the passphrase…</source>
        <translation>正在變更通關密語…</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change your password</source>
        <translation>變更您的密碼</translation>
    </message>
    <message>
        <source>Choose your own password before you start. Use at least 8 characters; a short sentence is easy to remember and hard to guess.</source>
        <translation>開始使用前，請設定您自己的密碼。密碼至少 8 個字元；用一句短句當密碼，好記又難猜。</translation>
    </message>
    <message>
        <source>Type your current password, then the new one twice.</source>
        <translation>請輸入目前的密碼，然後輸入兩次新密碼。</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>目前的密碼</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密碼</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次輸入新密碼</translation>
    </message>
    <message>
        <source>The two new passwords are not the same.</source>
        <translation>兩次輸入的新密碼不一致。</translation>
    </message>
</context>
<context>
    <name>ChangeTierDialog</name>
    <message>
        <source>Change tier of {card}</source>
        <translation>變更會員卡 {card} 的等級</translation>
    </message>
    <message>
        <source>Now {tier}, {first} to {last}. Choose the new tier.</source>
        <translation>目前為{tier}，{first} 至 {last}。請選擇新等級。</translation>
    </message>
    <message>
        <source>New tier</source>
        <translation>新等級</translation>
    </message>
    <message>
        <source>What it costs</source>
        <translation>費用</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>付款</translation>
    </message>
    <message>
        <source>There is no other tier to change to.</source>
        <translation>沒有其他可變更的等級。</translation>
    </message>
    <message>
        <source>Working it out…</source>
        <translation>正在計算…</translation>
    </message>
    <message>
        <source>The member pays {sum}.</source>
        <translation>會員需補繳 {sum}。</translation>
    </message>
    <message>
        <source>The clinic refunds {sum}.</source>
        <translation>診所退還 {sum}。</translation>
    </message>
    <message>
        <source>Nothing to pay or refund.</source>
        <translation>無需補繳或退款。</translation>
    </message>
    <message>
        <source>Credit for the old tier</source>
        <translation>原等級折抵</translation>
    </message>
    <message>
        <source>Charge for the new tier</source>
        <translation>新等級費用</translation>
    </message>
    <message>
        <source>New term</source>
        <translation>新有效期</translation>
    </message>
    <message>
        <source>Choose the new tier.</source>
        <translation>請選擇新等級。</translation>
    </message>
</context>
<context>
    <name>CheckInDialog</name>
    <message>
        <source>Check in</source>
        <translation>報到</translation>
    </message>
    <message>
        <source>Identity checked (real-name): the ID or the patient&apos;s card matches</source>
        <translation>已核對身分（實名制）：證件或就診卡與病患本人相符</translation>
    </message>
    <message>
        <source>Allergies and current medication (ask the patient)</source>
        <translation>過敏史與目前用藥（請詢問病患）</translation>
    </message>
    <message>
        <source>Confirmed with the patient</source>
        <translation>已與病患確認</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <source>Open the patient file: allergies, medicines, the ID document</source>
        <translation>開啟病患檔案：過敏、用藥、身分證件</translation>
    </message>
    <message>
        <source>Vital signs (leave empty what was not measured)</source>
        <translation>生命徵象（未測量的項目請留空）</translation>
    </message>
    <message>
        <source>Arrived at</source>
        <translation>到達時間</translation>
    </message>
    <message>
        <source>When the patient came to the counter; change it if they had to wait</source>
        <translation>病患來到櫃檯的時間；如果病患排隊等候過，請修改</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>關閉</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>載入中…</translation>
    </message>
    <message>
        <source>booked for {time}</source>
        <translation>預約時間 {time}</translation>
    </message>
    <message>
        <source>No ID document is on file yet: ask for it and add it with Change… (real-name registration).</source>
        <translation>檔案中尚無身分證件：請向病患索取，並透過「修改…」新增（實名登記）。</translation>
    </message>
    <message>
        <source>Already in today&apos;s queue with number {no}.</source>
        <translation>今天已在候診名單中，號碼為 {no}。</translation>
    </message>
    <message>
        <source>This appointment is not for today.</source>
        <translation>此預約不是今天的。</translation>
    </message>
    <message>
        <source>Ask the patient about allergies and medicines taken recently; the nurse or the doctor checks them against the file.</source>
        <translation>請詢問病患有無過敏及近期用藥；由護理師或醫師對照檔案核對。</translation>
    </message>
    <message>
        <source>Allergies:</source>
        <translation>過敏史：</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>過敏史：尚無紀錄。請詢問病患。</translation>
    </message>
    <message>
        <source>Current medication:</source>
        <translation>目前用藥：</translation>
    </message>
    <message>
        <source>Current medication: none recorded. Ask the patient.</source>
        <translation>目前用藥：尚無紀錄。請詢問病患。</translation>
    </message>
    <message>
        <source>Check the patient&apos;s identity first (real-name check-in), then tick the box.</source>
        <translation>請先核對病患身分（實名報到），然後勾選此項。</translation>
    </message>
    <message>
        <source>Checked in. Please take a seat; {doctor} will call number {no}.</source>
        <translation>報到完成。請稍坐候診，{doctor}會叫 {no} 號。</translation>
    </message>
    <message>
        <source>Checked in. Please take a seat; the doctor will call number {no}.</source>
        <translation>報到完成。請稍坐候診，醫師會叫 {no} 號。</translation>
    </message>
    <message>
        <source>No. {no}</source>
        <translation>{no} 號</translation>
    </message>
    <message>
        <source>Already checked in today: queue number {no}.</source>
        <translation>今天已報到：號碼 {no}。</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>測量值異常</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>仍要記錄嗎？</translation>
    </message>
    <message>
        <source>Another day&apos;s appointment</source>
        <translation>非今日預約</translation>
    </message>
    <message>
        <source>Not checked in. Book the patient for today, or queue them as a walk-in.</source>
        <translation>未報到。請為病患預約今天的時段，或以現場掛號排入候診。</translation>
    </message>
</context>
<context>
    <name>ChecklistEditor</name>
    <message>
        <source>Role</source>
        <translation>崗位</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>刪除</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>Save the checklist</source>
        <translation>保存自查表</translation>
    </message>
    <message>
        <source>Double-click an item to change its words</source>
        <translation>雙擊條目可修改文字</translation>
    </message>
    <message>
        <source>A checklist has at most {n} items.</source>
        <translation>自查表最多 {n} 項。</translation>
    </message>
    <message>
        <source>New item</source>
        <translation>新條目</translation>
    </message>
    <message>
        <source>Saved. The new list applies from now on.</source>
        <translation>已保存，新自查表即日起生效。</translation>
    </message>
</context>
<context>
    <name>ClinicPage</name>
    <message>
        <source>The name was cut at {n} characters: check its end.</source>
        <translation>名稱超過 {n} 個字元，已被截斷，請檢查結尾部分。</translation>
    </message>
    <message>
        <source>Choose a time zone from the list, such as Asia/Shanghai.</source>
        <translation>請從清單中選擇時區，例如 Asia/Taipei。</translation>
    </message>
    <message>
        <source>Your clinic</source>
        <translation>您的診所</translation>
    </message>
    <message>
        <source>The clinic&apos;s name is printed on receipts, cards and the recovery kit. The address and phone can be filled in later in Settings.</source>
        <translation>診所名稱會列印在收據、卡片和復原金鑰單上。地址和電話可以稍後在「設定」中填寫。</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>診所名稱</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>時區</translation>
    </message>
    <message>
        <source>e.g. 仁和诊所</source>
        <translation>例如 仁和診所</translation>
    </message>
</context>
<context>
    <name>ClinicSettingsTab</name>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空白）</translation>
    </message>
    <message>
        <source>Default: {value}</source>
        <translation>預設值：{value}</translation>
    </message>
    <message>
        <source>spec {id}</source>
        <translation>規範 {id}</translation>
    </message>
    <message>
        <source>Your role can see these settings but not change them. Ask the clinic director if something should change.</source>
        <translation>您的角色可以檢視這些設定，但無法修改。如需修改，請洽院長。</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>復原變更</translation>
    </message>
    <message>
        <source>Undo the changes not saved yet</source>
        <translation>復原尚未儲存的變更</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>儲存</translation>
    </message>
    <message>
        <source>Save every changed setting</source>
        <translation>儲存所有已變更的設定</translation>
    </message>
    <message>
        <source>Standard values filled in for {group}. Press Save to keep them.</source>
        <translation>已為「{group}」填入標準值。請按「儲存」使其生效。</translation>
    </message>
    <message>
        <source>{label}: type a time zone name such as Asia/Shanghai.</source>
        <translation>{label}：請輸入時區名稱，例如 Asia/Taipei。</translation>
    </message>
    <message>
        <source>“{first}” must be earlier than “{last}”.</source>
        <translation>「{first}」必須早於「{last}」。</translation>
    </message>
    <message>
        <source>There are no changes to save.</source>
        <translation>沒有需要儲存的變更。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在儲存…</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>設定已儲存。</translation>
    </message>
    <message>
        <source>Settings saved, but this installation has no translation for {language}; the screens stay as they were. Reinstall ClinicDesk to restore it.</source>
        <translation>設定已儲存，但目前的安裝中沒有{language}的翻譯，介面將保持原樣。請重新安裝 ClinicDesk 以還原翻譯。</translation>
    </message>
</context>
<context>
    <name>CloseTaskDialog</name>
    <message>
        <source>Close the task</source>
        <translation>關閉任務</translation>
    </message>
    <message>
        <source>{patient}: {what}. The task leaves the list; it stays in the patient&apos;s history with the reason. If the patient died or wants no more calls, record that in the patient file instead: it ends all their calls and messages.</source>
        <translation>{patient}：{what}。此任務將從清單中移除，但會連同關閉原因保留在病患的歷史紀錄中。如果病患已過世或不想再接到電話，請改在病患檔案中登錄：這樣會終止對其所有的電話和訊息。</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>備註</translation>
    </message>
</context>
<context>
    <name>ClosuresPanel</name>
    <message>
        <source>Year</source>
        <translation>年份</translation>
    </message>
    <message>
        <source>Clinic closed</source>
        <translation>診所休診日</translation>
    </message>
    <message>
        <source>Days the clinic is closed beyond public holidays, such as staff training or renovation. Booking on them asks for confirmation.</source>
        <translation>國定假日以外的診所休診日，例如員工訓練或裝修。在這些日期預約時需要確認。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>新增…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>刪除</translation>
    </message>
    <message>
        <source>Public holidays</source>
        <translation>國定假日</translation>
    </message>
    <message>
        <source>Holiday</source>
        <translation>假日</translation>
    </message>
    <message>
        <source>mainland China</source>
        <translation>中國大陸</translation>
    </message>
    <message>
        <source>Hong Kong</source>
        <translation>香港</translation>
    </message>
    <message>
        <source>Taiwan</source>
        <translation>臺灣</translation>
    </message>
    <message>
        <source>none (weekends only)</source>
        <translation>不使用（僅週末）</translation>
    </message>
    <message>
        <source>For reference: the public holidays of {calendar} in {year}. The calendar marks them as closed. Choose the holiday calendar in Clinic settings.</source>
        <translation>供參考：{year} 年的國定假日（{calendar}）。行事曆會將這些日子標示為休診。假日行事曆請在「診所設定」中選擇。</translation>
    </message>
    <message>
        <source>Clinic closed on a day</source>
        <translation>新增休診日</translation>
    </message>
    <message>
        <source>Appointments already booked that day stay; the calendar shows the day as closed and booking on it asks first.</source>
        <translation>當天既有的預約維持不變；行事曆會將當天顯示為休診，在當天預約時需先確認。</translation>
    </message>
    <message>
        <source>Closure added.</source>
        <translation>已新增休診日。</translation>
    </message>
    <message>
        <source>Choose a closure in the list first.</source>
        <translation>請先在清單中選擇一個休診日。</translation>
    </message>
    <message>
        <source>Closure removed.</source>
        <translation>已刪除休診日。</translation>
    </message>
</context>
<context>
    <name>ColorField</name>
    <message>
        <source>Choose…</source>
        <translation>選擇…</translation>
    </message>
</context>
<context>
    <name>Complaint</name>
    <message>
        <source>In person</source>
        <translation>當面</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>信件</translation>
    </message>
    <message>
        <source>Website</source>
        <translation>網站</translation>
    </message>
    <message>
        <source>Suggestion box</source>
        <translation>意見箱</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>電話回訪</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Serious</source>
        <translation>嚴重</translation>
    </message>
    <message>
        <source>Simple issue</source>
        <translation>簡單問題</translation>
    </message>
    <message>
        <source>Complex dispute</source>
        <translation>複雜糾紛</translation>
    </message>
    <message>
        <source>Text message</source>
        <translation>簡訊</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>電子郵件</translation>
    </message>
</context>
<context>
    <name>ComplaintDialog</name>
    <message>
        <source>Complaint</source>
        <extracomment>the step was saved: its ``Written`` (emitted before the changes are broadcast)</extracomment>
        <translation>投訴</translation>
    </message>
    <message>
        <source>Complainant</source>
        <translation>投訴人</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>聯絡方式</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Staff concerned</source>
        <translation>涉及員工</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>投訴內容</translation>
    </message>
    <message>
        <source>Answer and solution</source>
        <translation>答覆與解決方案</translation>
    </message>
    <message>
        <source>Rectification</source>
        <translation>整改</translation>
    </message>
    <message>
        <source>Reply to the complainant</source>
        <translation>回覆投訴人</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>You take the complaint on</source>
        <translation>由您受理此投訴</translation>
    </message>
    <message>
        <source>Record contact…</source>
        <translation>記錄聯絡…</translation>
    </message>
    <message>
        <source>The first contact with the complainant</source>
        <translation>與投訴人的首次聯絡</translation>
    </message>
    <message>
        <source>Answer…</source>
        <translation>答覆…</translation>
    </message>
    <message>
        <source>What the clinic answers</source>
        <translation>診所的答覆</translation>
    </message>
    <message>
        <source>Propose solution…</source>
        <translation>提出解決方案…</translation>
    </message>
    <message>
        <source>The solution offered</source>
        <translation>提出的解決方案</translation>
    </message>
    <message>
        <source>Set rectification…</source>
        <translation>設定整改…</translation>
    </message>
    <message>
        <source>What is to change, who sees to it, by when</source>
        <translation>改什麼、誰負責、何時完成</translation>
    </message>
    <message>
        <source>Rectified…</source>
        <translation>整改完成…</translation>
    </message>
    <message>
        <source>The change has been made</source>
        <translation>整改已落實</translation>
    </message>
    <message>
        <source>Reply to the complainant…</source>
        <translation>回覆投訴人…</translation>
    </message>
    <message>
        <source>When and how the complainant was told</source>
        <translation>何時以何種方式告知投訴人</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>結案…</translation>
    </message>
    <message>
        <source>Close the complaint: the complainant must have had the reply</source>
        <translation>結案：須已回覆投訴人</translation>
    </message>
    <message>
        <source>Reopen…</source>
        <translation>重新開啟…</translation>
    </message>
    <message>
        <source>Open the closed complaint again, with a reason</source>
        <translation>重新開啟已結案的投訴，須說明原因</translation>
    </message>
    <message>
        <source>Hand over…</source>
        <translation>移交…</translation>
    </message>
    <message>
        <source>Give the complaint to a colleague</source>
        <translation>把投訴移交給同事</translation>
    </message>
    <message>
        <source>Add to training library…</source>
        <translation>加入培訓案例庫…</translation>
    </message>
    <message>
        <source>An anonymised case for everyone to learn from</source>
        <translation>匿名案例，供全員學習</translation>
    </message>
    <message>
        <source>Root cause (5 Why)…</source>
        <translation>根因分析（5 Why）…</translation>
    </message>
    <message>
        <source>Ask why, five times</source>
        <translation>連問五個為什麼</translation>
    </message>
    <message>
        <source>Add note…</source>
        <translation>新增備註…</translation>
    </message>
    <message>
        <source>A note in the history</source>
        <translation>在處理記錄中加一條備註</translation>
    </message>
    <message>
        <source>History</source>
        <translation>處理記錄</translation>
    </message>
    <message>
        <source>When</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事項</translation>
    </message>
    <message>
        <source>By</source>
        <translation>經辦人</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在載入…</translation>
    </message>
    <message>
        <source>Complaint {number}</source>
        <translation>投訴 {number}</translation>
    </message>
    <message>
        <source>{number} · {stage} · owner {owner}</source>
        <translation>{number} · {stage} · 負責人 {owner}</translation>
    </message>
    <message>
        <source>Received {time}</source>
        <translation>{time} 收到</translation>
    </message>
    <message>
        <source>recorded by {name}</source>
        <translation>{name} 登記</translation>
    </message>
    <message numerus="yes">
        <source>reopened %n time(s)</source>
        <translation>
            <numerusform>重新開啟 %n 次</numerusform>
        </translation>
    </message>
    <message>
        <source>The details of this complaint are confidential: only customer service, the director and the complaint&apos;s owner read them.</source>
        <translation>此投訴的詳情保密：只有客服、院長和投訴負責人可以查看。</translation>
    </message>
    <message>
        <source>Serious: escalated to the director.</source>
        <translation>嚴重投訴：已上報院長。</translation>
    </message>
    <message>
        <source>Closed {time} by {name}. Reopen to change it: every step is locked while it is closed.</source>
        <translation>{name} 於 {time} 結案。如需修改請重新開啟：結案後各步驟均已鎖定。</translation>
    </message>
    <message>
        <source>Only its owner, customer service and the director work this complaint; you may read it.</source>
        <translation>只有負責人、客服和院長可以處理此投訴；您可以查看。</translation>
    </message>
    <message>
        <source>✓ done {time}</source>
        <translation>✓ {time} 完成</translation>
    </message>
    <message>
        <source>(late by {time})</source>
        <translation>（逾時 {time}）</translation>
    </message>
    <message>
        <source>not needed</source>
        <translation>無需</translation>
    </message>
    <message>
        <source>{action} — {owner}, by {due}</source>
        <translation>{action} — {owner}，{due} 前完成</translation>
    </message>
    <message>
        <source>Done {time}: {note}</source>
        <translation>{time} 完成：{note}</translation>
    </message>
    <message>
        <source>{time}, by {channel}: {text}</source>
        <translation>{time}，{channel}：{text}</translation>
    </message>
    <message>
        <source>{old} to {new}</source>
        <translation>{old} 移交給 {new}</translation>
    </message>
    <message>
        <source>by {day}</source>
        <translation>{day} 前</translation>
    </message>
    <message>
        <source>Accept the complaint</source>
        <translation>受理投訴</translation>
    </message>
    <message>
        <source>You take it on: the clock for the first contact keeps running.</source>
        <translation>由您受理：首次聯絡的時限繼續計算。</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>備註（可不填）</translation>
    </message>
    <message>
        <source>Record the first contact</source>
        <translation>記錄首次聯絡</translation>
    </message>
    <message>
        <source>How {who} was reached and what was agreed.</source>
        <translation>如何聯絡到{who}，約定了什麼。</translation>
    </message>
    <message>
        <source>the complainant</source>
        <translation>投訴人</translation>
    </message>
    <message>
        <source>What was said</source>
        <translation>溝通內容</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>答覆</translation>
    </message>
    <message>
        <source>The clinic&apos;s answer: what was found and what the clinic says about it.</source>
        <translation>診所的答覆：查明了什麼，診所如何說明。</translation>
    </message>
    <message>
        <source>Propose a solution</source>
        <translation>提出解決方案</translation>
    </message>
    <message>
        <source>What the clinic offers to put it right.</source>
        <translation>診所提出的補救辦法。</translation>
    </message>
    <message>
        <source>Solution</source>
        <translation>解決方案</translation>
    </message>
    <message>
        <source>Set the rectification</source>
        <translation>設定整改</translation>
    </message>
    <message>
        <source>What is to change so it does not happen again, who sees to it and by when (the rectification deadline is the default).</source>
        <translation>為避免再次發生要改什麼、誰負責、何時完成（預設為整改時限）。</translation>
    </message>
    <message>
        <source>What is to change</source>
        <translation>整改內容</translation>
    </message>
    <message>
        <source>Who sees to it</source>
        <translation>負責人</translation>
    </message>
    <message>
        <source>Rectification done</source>
        <translation>整改完成</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>做了什麼</translation>
    </message>
    <message>
        <source>When and how the complainant was told the outcome, and what they were told.</source>
        <translation>何時以何種方式把處理結果告知投訴人，告知了什麼。</translation>
    </message>
    <message>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>What they were told</source>
        <translation>告知內容</translation>
    </message>
    <message>
        <source>Close the complaint</source>
        <translation>結案</translation>
    </message>
    <message>
        <source>Closing needs the reply to the complainant, and the rectification done if one was set. An anonymous note no one can be told about closes with a note.</source>
        <translation>結案前須已回覆投訴人；如設定了整改，須已整改完成。無法回覆的匿名意見憑結案備註結案。</translation>
    </message>
    <message>
        <source>Reopen the complaint</source>
        <translation>重新開啟投訴</translation>
    </message>
    <message>
        <source>Say why it is opened again: the reason stays in its history.</source>
        <translation>說明重新開啟的原因：原因會留在處理記錄中。</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Hand the complaint over</source>
        <translation>移交投訴</translation>
    </message>
    <message>
        <source>The colleague owns it from now on; the hand-over stays in its history.</source>
        <translation>此後由該同事負責；移交會留在處理記錄中。</translation>
    </message>
    <message>
        <source>To</source>
        <translation>移交給</translation>
    </message>
    <message>
        <source>{channel} complaint, {department}</source>
        <translation>{channel}投訴，{department}</translation>
    </message>
    <message>
        <source>Add to the training library</source>
        <translation>加入培訓案例庫</translation>
    </message>
    <message>
        <source>Cases are anonymised: write the summary in your own words, without the names of patients, complainants or staff, phone numbers or ID numbers.</source>
        <translation>案例須匿名：請用自己的話寫經過，不寫患者、投訴人或員工的姓名，不寫電話號碼和證件號碼。</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>標題</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>經過</translation>
    </message>
    <message>
        <source>In general terms: no names, no phone or ID numbers.</source>
        <translation>概括描述：不寫姓名、電話或證件號碼。</translation>
    </message>
    <message>
        <source>Lessons</source>
        <translation>經驗教訓</translation>
    </message>
    <message>
        <source>Add a note</source>
        <translation>新增備註</translation>
    </message>
    <message>
        <source>A note in the history.</source>
        <translation>在處理記錄中加一條備註。</translation>
    </message>
</context>
<context>
    <name>ComplaintEvent</name>
    <message>
        <source>Received</source>
        <translation>收到投訴</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>Complainant contacted</source>
        <translation>聯絡投訴人</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>答覆</translation>
    </message>
    <message>
        <source>Solution proposed</source>
        <translation>提出解決方案</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>移交</translation>
    </message>
    <message>
        <source>Escalated to the director</source>
        <translation>上報院長</translation>
    </message>
    <message>
        <source>Seen by the director</source>
        <translation>院長已閱</translation>
    </message>
    <message>
        <source>Rectification set</source>
        <translation>設定整改</translation>
    </message>
    <message>
        <source>Rectification done</source>
        <translation>整改完成</translation>
    </message>
    <message>
        <source>Reply to the complainant</source>
        <translation>回覆投訴人</translation>
    </message>
    <message>
        <source>Training case made</source>
        <translation>加入培訓案例庫</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>結案</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>重新開啟</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>備註</translation>
    </message>
</context>
<context>
    <name>ComplaintStage</name>
    <message>
        <source>Received</source>
        <translation>已收到</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <source>Contacted</source>
        <translation>已聯絡</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已答覆</translation>
    </message>
    <message>
        <source>Rectifying</source>
        <translation>整改中</translation>
    </message>
    <message>
        <source>Replied</source>
        <translation>已回覆</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已結案</translation>
    </message>
</context>
<context>
    <name>ComplaintStep</name>
    <message>
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>Contact the complainant</source>
        <translation>聯絡投訴人</translation>
    </message>
    <message>
        <source>Answer (simple issue)</source>
        <translation>答覆（簡單問題）</translation>
    </message>
    <message>
        <source>Propose a solution</source>
        <translation>提出解決方案</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>結案</translation>
    </message>
    <message>
        <source>Rectify</source>
        <translation>整改</translation>
    </message>
    <message>
        <source>Answer (complex dispute)</source>
        <translation>答覆（複雜糾紛）</translation>
    </message>
</context>
<context>
    <name>Complaints</name>
    <message>
        <source>%n day(s)</source>
        <translation>%n 天</translation>
    </message>
    <message>
        <source>{h} h</source>
        <translation>{h} 小時</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} 小時 {m} 分鐘</translation>
    </message>
    <message>
        <source>{m} min</source>
        <translation>{m} 分鐘</translation>
    </message>
    <message>
        <source>overdue by {time}</source>
        <translation>已逾時 {time}</translation>
    </message>
    <message>
        <source>{time} left</source>
        <translation>還剩 {time}</translation>
    </message>
    <message>
        <source>{day} end of day</source>
        <translation>{day} 當天結束前</translation>
    </message>
    <message>
        <source>{step}: {due} ({left})</source>
        <translation>{step}：{due}（{left}）</translation>
    </message>
</context>
<context>
    <name>ComplaintsPanel</name>
    <message>
        <source>Open</source>
        <translation>未結案</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已結案</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>我負責的</translation>
    </message>
    <message>
        <source>Only the complaints you own</source>
        <translation>只看由您負責的投訴</translation>
    </message>
    <message>
        <source>Overdue only</source>
        <translation>只看逾時的</translation>
    </message>
    <message>
        <source>Received from</source>
        <translation>收到日期從</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Search: number, complainant, words in it…</source>
        <translation>搜尋：編號、投訴人、內容中的字詞…</translation>
    </message>
    <message>
        <source>Record a complaint…</source>
        <translation>登記投訴…</translation>
    </message>
    <message>
        <source>Whoever receives a complaint records it and owns it (Ctrl+N)</source>
        <translation>首接負責：誰接待誰登記、誰負責（Ctrl+N）</translation>
    </message>
    <message>
        <source>Open suggestion box…</source>
        <translation>開啟意見箱…</translation>
    </message>
    <message>
        <source>Enter the week&apos;s notes from the box, all at once</source>
        <translation>一次錄入本週意見箱中的全部意見</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>開啟…</translation>
    </message>
    <message>
        <source>Open the selected complaint (Enter)</source>
        <translation>開啟所選投訴（Enter）</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>編號</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到時間</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>來源</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>嚴重程度</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>進度</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>負責人</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Next deadline</source>
        <translation>下一時限</translation>
    </message>
    <message>
        <source>Complainant and gist</source>
        <translation>投訴人及摘要</translation>
    </message>
    <message>
        <source>Confidential</source>
        <translation>保密</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在載入…</translation>
    </message>
    <message>
        <source>No complaint matches.</source>
        <translation>沒有符合條件的投訴。</translation>
    </message>
    <message numerus="yes">
        <source>%n complaint(s)</source>
        <translation>
            <numerusform>%n 件投訴</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n overdue</source>
        <translation>
            <numerusform>%n 件逾時</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>Sync conflicts</source>
        <translation>同步衝突</translation>
    </message>
    <message>
        <source>Two workstations changed the same thing without seeing each other&apos;s change. The later change is in the record now; the earlier value is kept here. Keep the record as it is, or restore the lost value (every workstation gets it).</source>
        <translation>兩台工作站在看不到對方變更的情況下修改了同一項內容。紀錄中目前保存的是較晚的變更；較早的值保留在這裡。您可以讓紀錄保持原樣，或還原被覆蓋的值（所有工作站都會隨之更新）。</translation>
    </message>
    <message>
        <source>There are no open conflicts.</source>
        <translation>沒有待處理的衝突。</translation>
    </message>
    <message>
        <source>What</source>
        <translation>項目</translation>
    </message>
    <message>
        <source>In the record now</source>
        <translation>紀錄中的目前值</translation>
    </message>
    <message>
        <source>Lost value</source>
        <translation>被覆蓋的值</translation>
    </message>
    <message>
        <source>Lost change made</source>
        <translation>被覆蓋的變更</translation>
    </message>
    <message>
        <source>Kept change made</source>
        <translation>保留的變更</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Allergy</source>
        <translation>過敏紀錄</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>用藥紀錄</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>疾病紀錄</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>就診紀錄</translation>
    </message>
    <message>
        <source>Vital signs</source>
        <translation>生命徵象紀錄</translation>
    </message>
    <message>
        <source>Prescription</source>
        <translation>處方</translation>
    </message>
    <message>
        <source>Prescription line</source>
        <translation>處方明細</translation>
    </message>
    <message>
        <source>Referral</source>
        <translation>轉診單</translation>
    </message>
    <message>
        <source>Appointment</source>
        <translation>預約</translation>
    </message>
    <message>
        <source>Appointment type</source>
        <translation>預約類型</translation>
    </message>
    <message>
        <source>Waiting list</source>
        <translation>候補名單</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>候診名單</translation>
    </message>
    <message>
        <source>Staff member</source>
        <translation>員工</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>設定項目</translation>
    </message>
    <message>
        <source>Roster</source>
        <translation>排班</translation>
    </message>
    <message>
        <source>Roster change</source>
        <translation>排班異動</translation>
    </message>
    <message>
        <source>Room or device</source>
        <translation>診間或設備</translation>
    </message>
    <message>
        <source>Doctor&apos;s profile</source>
        <translation>醫師資料</translation>
    </message>
    <message>
        <source>Clinic closure</source>
        <translation>休診日</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>family name</source>
        <translation>姓</translation>
    </message>
    <message>
        <source>given name</source>
        <translation>名</translation>
    </message>
    <message>
        <source>date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <source>address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>notes for the desk</source>
        <translation>櫃檯備註</translation>
    </message>
    <message>
        <source>notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>occupation</source>
        <translation>職業</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>證件號碼</translation>
    </message>
    <message>
        <source>record number</source>
        <translation>病歷號</translation>
    </message>
    <message>
        <source>status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>start time</source>
        <translation>開始時間</translation>
    </message>
    <message>
        <source>end time</source>
        <translation>結束時間</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>user name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>已移除</translation>
    </message>
    <message>
        <source>substance</source>
        <translation>過敏原</translation>
    </message>
    <message>
        <source>severity</source>
        <translation>嚴重程度</translation>
    </message>
    <message>
        <source>reaction</source>
        <translation>反應</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>record #{short}</source>
        <translation>紀錄 #{short}</translation>
    </message>
    <message>
        <source>workstation {id}</source>
        <translation>工作站 {id}</translation>
    </message>
    <message>
        <source>{time} at {workstation}</source>
        <translation>{time}（{workstation}）</translation>
    </message>
    <message>
        <source>Workstation names could not be read from the hub: {reason}</source>
        <translation>無法從同步伺服器讀取工作站名稱：{reason}</translation>
    </message>
    <message>
        <source>renamed to {value}</source>
        <translation>已重新命名為 {value}</translation>
    </message>
    <message>
        <source>Two records had the same {field}; the later one was renamed so both stay.</source>
        <translation>兩筆紀錄的{field}相同；較晚的一筆已重新命名，以便兩筆都能保留。</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>保持原樣</translation>
    </message>
    <message>
        <source>The record stays as it is; this item is closed.</source>
        <translation>紀錄保持不變，此項目隨即關閉。</translation>
    </message>
    <message>
        <source>Restore lost value</source>
        <translation>還原被覆蓋的值</translation>
    </message>
    <message>
        <source>Not possible here: change the record itself.</source>
        <translation>無法在此還原：請直接修改該筆紀錄。</translation>
    </message>
    <message>
        <source>Write the lost value back into the record, on every workstation.</source>
        <translation>將遺失的值寫回該筆資料，所有工作站都會隨之更新。</translation>
    </message>
</context>
<context>
    <name>ContactsTab</name>
    <message>
        <source>Log a contact…</source>
        <translation>記錄聯絡…</translation>
    </message>
    <message>
        <source>When</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>經辦人員</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>In person</source>
        <translation>當面</translation>
    </message>
    <message>
        <source>Patient to us</source>
        <translation>病患聯絡診所</translation>
    </message>
    <message>
        <source>Us to patient</source>
        <translation>診所聯絡病患</translation>
    </message>
    <message>
        <source>Log a contact</source>
        <translation>記錄聯絡</translation>
    </message>
    <message>
        <source>What was said or agreed</source>
        <translation>溝通或約定的內容</translation>
    </message>
</context>
<context>
    <name>CreatePage</name>
    <message>
        <source>Creating the clinic&apos;s encrypted data. This takes a few seconds…</source>
        <translation>正在建立診所的加密資料，需要幾秒鐘…</translation>
    </message>
    <message>
        <source>The clinic could not be created. Nothing was changed on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>無法建立診所，這台電腦上沒有做任何變更。請解決下方列出的問題，或返回修改已輸入的內容，然後再試一次。</translation>
    </message>
    <message>
        <source>The clinic is ready.</source>
        <translation>診所已建立完成。</translation>
    </message>
    <message>
        <source>Stopping… the copy made so far is being deleted.</source>
        <translation>正在停止……已複製的內容正在刪除。</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s saved copy from the hub…</source>
        <translation>正在從同步伺服器複製診所儲存的副本……</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data from the hub… {percent}% done</source>
        <translation>正在從同步伺服器複製診所資料……已完成 {percent}%</translation>
    </message>
    <message>
        <source>Preparing the patient search…</source>
        <translation>正在準備病人搜尋……</translation>
    </message>
    <message>
        <source>Checking the director&apos;s sign-in…</source>
        <translation>正在核對院長的登入資訊……</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Checking the pairing code with the hub…</source>
        <translation>正在向同步伺服器核對配對碼……</translation>
    </message>
    <message>
        <source>Joining the clinic: checking the pairing code and copying the clinic&apos;s data from the hub. A small clinic takes a minute; one with years of records can take ten minutes or more. Keep this window open.</source>
        <translation>正在加入診所：核對配對碼並從同步伺服器複製診所資料。小診所約需一分鐘；有多年紀錄的診所可能需要十分鐘或更久。請不要關閉此視窗。</translation>
    </message>
    <message>
        <source>Joining was stopped. Nothing was set up on this computer. The pairing code has been used: to try again, make a new one on a workstation that already syncs (Settings → Sync → “Add a workstation…”), go back and type it.</source>
        <translation>已停止加入，這台電腦上沒有設定任何內容。該配對碼已被使用：如要重試，請在已同步的工作站上產生新的配對碼（設定 → 同步 →「新增工作站…」），然後返回並輸入。</translation>
    </message>
    <message>
        <source>This computer could not join the clinic. Nothing was set up on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>這台電腦無法加入診所，這台電腦上沒有做任何設定。請解決下方列出的問題，或返回修改已輸入的內容，然後再試一次。</translation>
    </message>
    <message>
        <source>This computer has joined the clinic.</source>
        <translation>這台電腦已加入診所。</translation>
    </message>
    <message>
        <source>Joining the clinic</source>
        <translation>正在加入診所</translation>
    </message>
    <message>
        <source>Creating the clinic</source>
        <translation>正在建立診所</translation>
    </message>
    <message>
        <source>The clinic&apos;s data is kept in this folder: {path}</source>
        <translation>診所資料儲存在此資料夾中：{path}</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>再試一次</translation>
    </message>
    <message>
        <source>Stop joining</source>
        <translation>停止加入</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <source>{n} of {d} answers satisfied (4 or 5)</source>
        <translation>{d} 個評分中 {n} 個滿意（4 或 5 分）</translation>
    </message>
    <message>
        <source>{n} of {d} complaints closed</source>
        <translation>{d} 件投訴中已結案 {n} 件</translation>
    </message>
    <message>
        <source>{n} of {d} closed on time</source>
        <translation>{d} 件結案中按時 {n} 件</translation>
    </message>
    <message>
        <source>{n} no-shows of {d} appointments due</source>
        <translation>{d} 個應到預約中爽約 {n} 個</translation>
    </message>
    <message>
        <source>over {d} waits</source>
        <translation>共 {d} 次候診</translation>
    </message>
    <message>
        <source>{n} of {d} waits</source>
        <translation>{d} 次候診中 {n} 次</translation>
    </message>
    <message>
        <source>{n} of {d} follow-ups done</source>
        <translation>{d} 個應隨訪中已完成 {n} 個</translation>
    </message>
    <message>
        <source>{n} of {d} visits rebooked</source>
        <translation>{d} 次就診中復約 {n} 次</translation>
    </message>
    <message>
        <source>{n} of {d} check-ins booked ahead</source>
        <translation>{d} 次簽到中預約就診 {n} 次</translation>
    </message>
    <message>
        <source>{n} of {d} prescriptions cancelled</source>
        <translation>{d} 張處方中作廢 {n} 張</translation>
    </message>
    <message>
        <source>{n} of {d}</source>
        <translation>{d} 中 {n}</translation>
    </message>
    <message>
        <source>No target</source>
        <translation>無目標值</translation>
    </message>
    <message>
        <source>Target ≥ {value}</source>
        <translation>目標 ≥ {value}</translation>
    </message>
    <message>
        <source>Target ≤ {value}</source>
        <translation>目標 ≤ {value}</translation>
    </message>
    <message>
        <source>No data in this period</source>
        <translation>本期無數據</translation>
    </message>
</context>
<context>
    <name>DashboardPanel</name>
    <message>
        <source>Period</source>
        <extracomment>asks the page to show another tab: &quot;complaints&quot; or &quot;selfcheck&quot;</extracomment>
        <translation>期間</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>上月</translation>
    </message>
    <message>
        <source>This quarter</source>
        <translation>本季度</translation>
    </message>
    <message>
        <source>This year</source>
        <translation>本年</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>自選日期</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫生</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>全部醫生</translation>
    </message>
    <message>
        <source>Click a figure to see its trend by week and by month. Green: the target is met; red: it is not; grey: nothing was counted. The dashed line is the target (Settings, Quality).</source>
        <translation>點擊指標可查看按周、按月的趨勢。綠色：達標；紅色：未達標；灰色：無數據。虛線為目標值（設置 › 質量）。</translation>
    </message>
    <message>
        <source>the clinic</source>
        <translation>全診所</translation>
    </message>
    <message>
        <source>Nothing was recorded for {who} from {first} to {last}: no visits, appointments, calls, complaints or survey answers. Choose another period.</source>
        <translation>{first} 至 {last} 期間{who}沒有任何記錄：無就診、預約、隨訪、投訴或調查答卷。請選擇其他期間。</translation>
    </message>
    <message>
        <source>Open complaints: {n}</source>
        <translation>未結投訴：{n}</translation>
    </message>
    <message>
        <source>Overdue: {n}</source>
        <translation>已超時：{n}</translation>
    </message>
    <message>
        <source>Escalations not seen: {n}</source>
        <translation>未閱上報：{n}</translation>
    </message>
    <message>
        <source>Missing self-checks: {n}</source>
        <translation>未交自查：{n}</translation>
    </message>
    <message>
        <source>Show the complaints</source>
        <translation>查看投訴</translation>
    </message>
    <message>
        <source>Show the self-checks</source>
        <translation>查看自查</translation>
    </message>
    <message>
        <source>{metric} by week</source>
        <translation>{metric}（按周）</translation>
    </message>
    <message>
        <source>{metric} by month</source>
        <translation>{metric}（按月）</translation>
    </message>
</context>
<context>
    <name>DayEndDialog</name>
    <message>
        <source>Day&apos;s end</source>
        <extracomment>statuses from which a patient can be recorded as gone without being seen</extracomment>
        <translation>日終處理</translation>
    </message>
    <message>
        <source>Day&apos;s end: who is still here</source>
        <translation>日終處理：仍在診所的病患</translation>
    </message>
    <message>
        <source>Day:</source>
        <translation>日期：</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>號碼</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>起始時間</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>處理</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) still waiting</source>
        <translation>
            <numerusform>仍有 %n 位病患候診</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n still in consultation</source>
        <translation>
            <numerusform>%n 位仍在看診</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n booking(s) marked as no-show</source>
        <translation>
            <numerusform>%n 筆預約已標記為未到診</numerusform>
        </translation>
    </message>
    <message>
        <source>Everyone has been seen: nothing is left open for this day.</source>
        <translation>所有病患均已看診：當天沒有未處理的事項。</translation>
    </message>
    <message>
        <source>Left without being seen</source>
        <translation>未看診離開</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>結束看診</translation>
    </message>
</context>
<context>
    <name>DayListPrint</name>
    <message>
        <source>Next day&apos;s appointments: {day}</source>
        <translation>明日預約名單：{day}</translation>
    </message>
    <message>
        <source>Appointments: {day}</source>
        <translation>預約名單：{day}</translation>
    </message>
    <message>
        <source>Day sheet for {doctor}: {day}</source>
        <translation>{doctor} 日程表：{day}</translation>
    </message>
    <message>
        <source>{weekday} {year}-{month:02d}-{day:02d}</source>
        <translation>{year}年{month:02d}月{day:02d}日 {weekday}</translation>
    </message>
    <message>
        <source>Printed {time}</source>
        <translation>列印時間 {time}</translation>
    </message>
    <message>
        <source>Appointments: {n}</source>
        <translation>預約 {n} 人</translation>
    </message>
    <message>
        <source>Add-ons: {n}</source>
        <translation>加號 {n} 人</translation>
    </message>
    <message>
        <source>Printed before {time}: appointments booked after this are not on the list.</source>
        <translation>在 {time} 之前列印：之後的新預約不在名單上。</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>第 {n} / {total} 頁</translation>
    </message>
    <message>
        <source>{name} (continued)</source>
        <translation>{name}（續）</translation>
    </message>
    <message>
        <source>(continued)</source>
        <translation>（續）</translation>
    </message>
    <message>
        <source>No appointments.</source>
        <translation>沒有預約。</translation>
    </message>
    <message>
        <source>Away this day: move these appointments or ask a colleague to see them.</source>
        <translation>當天不在：請改約這些預約或請同事應診。</translation>
    </message>
    <message>
        <source>Away this day: {name} sees these patients.</source>
        <translation>當天不在：由 {name} 應診。</translation>
    </message>
    <message>
        <source>Away this day: a substitute doctor sees these patients.</source>
        <translation>當天不在：由代診醫師應診。</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病人</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病歷號</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Type / purpose</source>
        <translation>類別 / 目的</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>標記</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Doctor&apos;s notes</source>
        <translation>醫生手記</translation>
    </message>
    <message>
        <source>First visit</source>
        <translation>初診</translation>
    </message>
    <message>
        <source>Add-on</source>
        <translation>加號</translation>
    </message>
    <message>
        <source>Holiday</source>
        <translation>假日</translation>
    </message>
    <message>
        <source>Elderly</source>
        <translation>長者</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>兒童</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>殘障</translation>
    </message>
    <message>
        <source>Accompanied</source>
        <translation>陪同</translation>
    </message>
    <message>
        <source>Next day&apos;s appointment list</source>
        <translation>明日預約名單</translation>
    </message>
    <message>
        <source>Doctor&apos;s day sheet</source>
        <translation>醫生日程表</translation>
    </message>
    <message>
        <source>Print list</source>
        <translation>列印名單</translation>
    </message>
    <message>
        <source>Print the appointment list for the triage nurse or a doctor</source>
        <translation>為導診護士或醫生列印預約名單</translation>
    </message>
    <message>
        <source>Next day&apos;s list for the triage nurse</source>
        <translation>導診護士的明日名單</translation>
    </message>
    <message>
        <source>Appointment list for the day shown</source>
        <translation>所顯示日期的預約名單</translation>
    </message>
    <message>
        <source>Day sheet for the doctor shown</source>
        <translation>所顯示醫生的日程表</translation>
    </message>
</context>
<context>
    <name>DeathDialog</name>
    <message>
        <source>Record death</source>
        <translation>登錄死亡</translation>
    </message>
    <message>
        <source>No more calls or messages go to this patient. {what}</source>
        <translation>今後不會再打電話或傳訊息給該病患。{what}</translation>
    </message>
    <message>
        <source>Date of death</source>
        <translation>死亡日期</translation>
    </message>
    <message>
        <source>Note (how the clinic learned of it)</source>
        <translation>備註（診所如何得知）</translation>
    </message>
    <message>
        <source>Record the death?</source>
        <translation>確定登錄死亡嗎？</translation>
    </message>
</context>
<context>
    <name>DirectorPage</name>
    <message>
        <source>The two passwords are not the same. Type the same password twice.</source>
        <translation>兩次輸入的密碼不一致。請輸入兩次相同的密碼。</translation>
    </message>
    <message>
        <source>The director&apos;s account</source>
        <translation>院長帳號</translation>
    </message>
    <message>
        <source>The director manages the clinic in ClinicDesk: staff accounts, settings and keys. Everyone signs in with their own user name; the director adds the other staff later.</source>
        <translation>院長在 ClinicDesk 中管理診所：員工帳號、設定和金鑰。每個人都以自己的使用者名稱登入；其他員工由院長稍後新增。</translation>
    </message>
    <message>
        <source>Director&apos;s name</source>
        <translation>院長姓名</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密碼</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次輸入密碼</translation>
    </message>
    <message>
        <source>e.g. 王丽</source>
        <translation>例如 王麗</translation>
    </message>
    <message>
        <source>e.g. wang.li (letters a-z and digits)</source>
        <translation>例如 wang.li（字母 a-z 和數字）</translation>
    </message>
</context>
<context>
    <name>DoctorQueuePage</name>
    <message>
        <source>Doctor:</source>
        <extracomment>a consultation started: the patient&apos;s file was opened (patient id) show something on another page (feature key, target): the open file&apos;s &quot;Open in Membership&quot; (the main window connects every page&apos;s signal)</extracomment>
        <translation>醫師：</translation>
    </message>
    <message>
        <source>Waiting-room display</source>
        <translation>候診區顯示螢幕</translation>
    </message>
    <message>
        <source>Show the called numbers on a second screen in the waiting room (names masked)</source>
        <translation>在候診區的第二個螢幕上顯示叫號（姓名已遮蔽）</translation>
    </message>
    <message>
        <source>Call next</source>
        <translation>叫下一號</translation>
    </message>
    <message>
        <source>Call the next patient: green channel first, then by number (F5 or Ctrl+N)</source>
        <translation>叫下一位病患：綠色通道優先，其次依號碼順序（F5 或 Ctrl+N）</translation>
    </message>
    <message>
        <source>Call again</source>
        <translation>重新叫號</translation>
    </message>
    <message>
        <source>Call the chosen number once more</source>
        <translation>再叫一次所選號碼</translation>
    </message>
    <message>
        <source>Start consultation</source>
        <translation>開始看診</translation>
    </message>
    <message>
        <source>Start with the chosen patient and open their file (Enter)</source>
        <translation>為所選病患開始看診並開啟其病歷（Enter）</translation>
    </message>
    <message>
        <source>Finish…</source>
        <translation>結束看診…</translation>
    </message>
    <message>
        <source>Finish the consultation and choose the kind of visit (Ctrl+Enter)</source>
        <translation>結束看診並選擇就診類型（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Send back to the desk…</source>
        <translation>轉回櫃檯…</translation>
    </message>
    <message>
        <source>For payment, an examination or medicine; the patient keeps the number</source>
        <translation>去繳費、做檢查或領藥；病患保留原號碼</translation>
    </message>
    <message>
        <source>Back in the queue</source>
        <translation>重新候診</translation>
    </message>
    <message>
        <source>The patient is back from the desk and waits again with the same number</source>
        <translation>病患已從櫃檯回來，以原號碼繼續候診</translation>
    </message>
    <message>
        <source>Close the file</source>
        <translation>關閉病歷</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>號碼</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>已候診</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>特殊需求</translation>
    </message>
    <message>
        <source>Green channel</source>
        <translation>綠色通道</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>預約時間</translation>
    </message>
    <message>
        <source>Nobody is in your queue yet. Patients appear here as soon as the desk checks them in.</source>
        <translation>您的候診名單中還沒有病患。櫃檯一完成報到，病患就會出現在這裡。</translation>
    </message>
    <message>
        <source>My queue</source>
        <translation>我的候診名單</translation>
    </message>
    <message>
        <source>Queue of {doctor}</source>
        <translation>{doctor}的候診名單</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>候診名單</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} 分鐘</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>現場掛號</translation>
    </message>
    <message>
        <source>Green channel: {reason}</source>
        <translation>綠色通道：{reason}</translation>
    </message>
    <message>
        <source>Waiting longer than the clinic&apos;s limit</source>
        <translation>候診時間已超過診所規定的上限</translation>
    </message>
    <message>
        <source>In consultation: No. {number} {patient} since {time}</source>
        <translation>看診中：{number} 號 {patient}，{time} 開始</translation>
    </message>
    <message>
        <source>Called: No. {number} {patient} at {time}</source>
        <translation>已叫號：{number} 號 {patient}，{time}</translation>
    </message>
    <message numerus="yes">
        <source>%n waiting</source>
        <translation>
            <numerusform>%n 人候診</numerusform>
        </translation>
    </message>
    <message>
        <source>Nobody is waiting for you right now. Take a breath; new patients appear here as soon as the desk checks them in.</source>
        <translation>目前沒有病患在等您。稍作休息吧；櫃檯一完成報到，新病患就會出現在這裡。</translation>
    </message>
    <message>
        <source>No. {number} has been called.</source>
        <translation>已叫 {number} 號。</translation>
    </message>
    <message>
        <source>No. {number}</source>
        <translation>{number} 號</translation>
    </message>
</context>
<context>
    <name>DoctorsPanel</name>
    <message>
        <source>Doctors and health managers</source>
        <translation>醫師和健康管理師</translation>
    </message>
    <message>
        <source>Add doctors on the Staff tab with the role Doctor or Health manager.</source>
        <translation>請在「員工」分頁中新增角色為「醫師」或「健康管理師」的人員。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Specialties</source>
        <translation>專長</translation>
    </message>
    <message>
        <source>Bookable</source>
        <translation>可預約</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>醫師資料</translation>
    </message>
    <message>
        <source>e.g. 内科, 糖尿病管理</source>
        <translation>例如 內科、糖尿病管理</translation>
    </message>
    <message>
        <source>Said to callers</source>
        <translation>電話介紹</translation>
    </message>
    <message>
        <source>What the desk reads to a caller who asks about this doctor</source>
        <translation>有人來電詢問這位醫師時，櫃檯唸給對方聽的介紹</translation>
    </message>
    <message>
        <source>Calendar colour</source>
        <translation>行事曆顏色</translation>
    </message>
    <message>
        <source>Takes appointments (shown as a calendar column)</source>
        <translation>接受預約（在行事曆中顯示為一欄）</translation>
    </message>
    <message>
        <source>Save profile</source>
        <translation>儲存資料</translation>
    </message>
    <message>
        <source>Weekly hours</source>
        <translation>每週看診時段</translation>
    </message>
    <message>
        <source>Type each day&apos;s working hours and breaks as start-end, separated by commas. Leave a day empty when the doctor does not work. Public holidays and closures are marked on the calendar separately.</source>
        <translation>請以「開始-結束」的格式填寫每天的看診時段和休息時間，多個時段以逗號分隔。醫師不看診的日子留空即可。國定假日和休診日另行在行事曆上標示。</translation>
    </message>
    <message>
        <source>Only the director changes rosters; you can read them here.</source>
        <translation>只有院長可以修改排班；您可以在此查看。</translation>
    </message>
    <message>
        <source>Undo changes</source>
        <translation>復原變更</translation>
    </message>
    <message>
        <source>Save roster</source>
        <translation>儲存排班</translation>
    </message>
    <message>
        <source>Days off and extra hours, next {n} days</source>
        <translation>未來 {n} 天的休假和加診</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>異動類型</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>時段</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>新增…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>刪除</translation>
    </message>
    <message>
        <source>{name} (account disabled)</source>
        <translation>{name}（帳號已停用）</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Choose a doctor on the left.</source>
        <translation>請在左側選擇一位醫師。</translation>
    </message>
    <message>
        <source>There are no doctors or health managers yet.</source>
        <translation>目前還沒有醫師或健康管理師。</translation>
    </message>
    <message>
        <source>These hours end on {day}; other hours follow from the next day.</source>
        <translation>此排班至 {day} 為止；隔天起改用另一份排班。</translation>
    </message>
    <message>
        <source>Day off</source>
        <translation>休假</translation>
    </message>
    <message>
        <source>Extra hours</source>
        <translation>加診</translation>
    </message>
    <message>
        <source>Absent</source>
        <translation>停診</translation>
    </message>
    <message>
        <source>Absent, substituted</source>
        <translation>停診（有代診）</translation>
    </message>
    <message>
        <source>Profile saved.</source>
        <translation>醫師資料已儲存。</translation>
    </message>
    <message>
        <source>Weekly hours of {name} saved.</source>
        <translation>已儲存{name}的每週看診時段。</translation>
    </message>
    <message>
        <source>Change added.</source>
        <translation>已新增排班異動。</translation>
    </message>
    <message>
        <source>Choose a change in the list first.</source>
        <translation>請先在清單中選擇一筆排班異動。</translation>
    </message>
    <message>
        <source>Change removed.</source>
        <translation>已刪除排班異動。</translation>
    </message>
</context>
<context>
    <name>DrugWarning</name>
    <message>
        <source>Major</source>
        <translation>嚴重</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>中度</translation>
    </message>
    <message>
        <source>Minor</source>
        <translation>輕微</translation>
    </message>
    <message>
        <source>Allergy</source>
        <translation>過敏</translation>
    </message>
    <message>
        <source>Interaction</source>
        <translation>交互作用</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>重複用藥</translation>
    </message>
</context>
<context>
    <name>EnrolDialog</name>
    <message>
        <source>Enrol in a membership</source>
        <translation>辦理會員</translation>
    </message>
    <message>
        <source>Choose the tier, find the person who pays, and for a family tier add the others. The card number is given when you save.</source>
        <translation>選擇等級，搜尋付款人；如為家庭等級，再新增其他家庭成員。儲存後產生會員卡號。</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等級</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>付款人</translation>
    </message>
    <message>
        <source>Find the payer: name, phone digits…</source>
        <translation>搜尋付款人：姓名、電話號碼…</translation>
    </message>
    <message>
        <source>Choose someone else</source>
        <translation>改選他人</translation>
    </message>
    <message>
        <source>Family members</source>
        <translation>家庭成員</translation>
    </message>
    <message>
        <source>Add a family member: name, phone digits…</source>
        <translation>新增家庭成員：姓名、電話號碼…</translation>
    </message>
    <message>
        <source>Starts on</source>
        <translation>開始日期</translation>
    </message>
    <message>
        <source>Periods</source>
        <translation>期數</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>付款</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>No tier is offered. The director sets them up.</source>
        <translation>目前沒有可辦理的會員等級，請院長先設定。</translation>
    </message>
    <message numerus="yes">
        <source>Up to %n people, the payer included.</source>
        <translation>
            <numerusform>最多 %n 人（含付款人）。</numerusform>
        </translation>
    </message>
    <message>
        <source>ends on {day}</source>
        <translation>至 {day} 止</translation>
    </message>
    <message>
        <source>{name} is already on this membership.</source>
        <translation>{name} 已是此會員的成員。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Choose a tier.</source>
        <translation>請選擇等級。</translation>
    </message>
    <message>
        <source>Find and choose the person who pays.</source>
        <translation>請搜尋並選擇付款人。</translation>
    </message>
</context>
<context>
    <name>EnterFormDialog</name>
    <message>
        <source>Enter a returned form</source>
        <translation>錄入回收的問卷</translation>
    </message>
    <message>
        <source>e.g. 3F2A-9C1B; empty if the form has none</source>
        <translation>如 3F2A-9C1B；問卷上沒有則留空</translation>
    </message>
    <message>
        <source>Questionnaire</source>
        <translation>問卷</translation>
    </message>
    <message>
        <source>Reference code</source>
        <translation>問卷編號</translation>
    </message>
    <message>
        <source>Answered on</source>
        <translation>填寫日期</translation>
    </message>
    <message>
        <source>The code is printed small at the foot of the form. Leave a question empty if the patient did not answer it.</source>
        <translation>編號以小字印在問卷底部。患者未回答的題目請留空。</translation>
    </message>
    <message>
        <source>Enter at least one answer from the form.</source>
        <translation>請至少錄入問卷上的一個答案。</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Something went wrong. Details are in the log file.</source>
        <translation>發生問題。詳細資訊已記錄在記錄檔中。</translation>
    </message>
    <message>
        <source>No clinic has been set up in {path}. Run the setup first, or choose the folder that holds the clinic&apos;s data.</source>
        <translation>{path} 中尚未設定診所。請先執行設定精靈，或選擇存放診所資料的資料夾。</translation>
    </message>
    <message>
        <source>A clinic already exists in {path}. Choose an empty folder for a new clinic.</source>
        <translation>{path} 中已有一家診所。請為新診所選擇一個空的資料夾。</translation>
    </message>
    <message>
        <source>That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, then try again, or use the recovery key. Failed attempts so far: {count}.</source>
        <translation>此通關密語無法開啟這家診所。請檢查鍵盤配置和大寫鎖定鍵（Caps Lock）後再試一次，或使用復原金鑰。目前已失敗 {count} 次。</translation>
    </message>
    <message>
        <source>That recovery key does not belong to this clinic. Check that it comes from this clinic&apos;s recovery kit. Failed attempts so far: {count}.</source>
        <translation>此復原金鑰不屬於這家診所。請確認它來自本診所的復原金鑰單。目前已失敗 {count} 次。</translation>
    </message>
    <message>
        <source>That recovery key has a typing mistake: it should be 32 letters and digits in 8 groups of 4, exactly as printed on the recovery kit. Please type it again.</source>
        <translation>復原金鑰輸入有誤：它應由 32 個字母和數字組成，分為 8 組、每組 4 個，與復原金鑰單上印的完全一致。請重新輸入。</translation>
    </message>
    <message>
        <source>Too many wrong passphrases or recovery keys ({count}). For safety, the next try is possible after {until} (UTC).</source>
        <translation>通關密語或復原金鑰輸錯次數過多（{count} 次）。為安全起見，請在 {until}（UTC）之後再試。</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic. Enter the clinic passphrase, or set CLINIC_DESK_PASSPHRASE for scripts.</source>
        <translation>這台電腦沒有儲存這家診所的金鑰。請輸入診所通關密語；如在指令碼中使用，請設定 CLINIC_DESK_PASSPHRASE。</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is damaged ({detail}). Do not keep working in it: restore the latest backup, and keep the damaged file for inspection.</source>
        <translation>診所資料庫已損毀（{detail}）。請勿繼續在其中作業：請還原最近的備份，並保留損毀的檔案以供檢查。</translation>
    </message>
    <message>
        <source>The disk is full, so nothing was saved. Free some space on the disk that holds the clinic&apos;s data, then try again.</source>
        <translation>磁碟已滿，沒有儲存任何內容。請在存放診所資料的磁碟上釋出一些空間，然後再試一次。</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is busy with another program for too long. Nothing was saved; try again in a moment.</source>
        <translation>診所資料庫被其他程式佔用太久，沒有儲存任何內容。請稍後再試。</translation>
    </message>
    <message>
        <source>This clinic&apos;s data was written by a newer version of ClinicDesk. Install the newer version on this computer before opening it.</source>
        <translation>這家診所的資料是由較新版本的 ClinicDesk 寫入。請先在這台電腦安裝新版本，再開啟資料。</translation>
    </message>
    <message>
        <source>Your role ({role}) may not do this ({action}). Ask the clinic director if you need it.</source>
        <translation>您的角色（{role}）無權執行此操作（{action}）。如有需要，請洽院長。</translation>
    </message>
    <message>
        <source>This record is outside your role. For emergency access, give a reason; it will be recorded and reviewed.</source>
        <translation>此紀錄不在您的角色權限範圍內。如需緊急存取，請填寫原因；此操作將被記錄並接受審查。</translation>
    </message>
    <message>
        <source>The user name or password is not right. Please try again.</source>
        <translation>使用者名稱或密碼不正確，請再試一次。</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords, until {until}. Wait, or ask the director to unlock it.</source>
        <translation>由於密碼輸錯次數過多，此帳號已被鎖定至 {until}。請稍候，或請院長解鎖。</translation>
    </message>
    <message>
        <source>This account has been disabled. Ask the clinic director.</source>
        <translation>此帳號已被停用。請洽院長。</translation>
    </message>
    <message>
        <source>That date is too far in the past or the future. Check the year and choose the date again.</source>
        <translation>這個日期太早或太晚。請檢查年份，然後重新選擇日期。</translation>
    </message>
    <message>
        <source>The {what} was not found. It may have been removed.</source>
        <translation>找不到該{what}，可能已被刪除。</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is missing. Reinstall ClinicDesk to restore it.</source>
        <translation>ClinicDesk 列印所需的字型檔 {path} 遺失。請重新安裝 ClinicDesk 以還原該檔案。</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is damaged ({detail}). Reinstall ClinicDesk to restore it.</source>
        <translation>ClinicDesk 列印所需的字型檔 {path} 已損毀（{detail}）。請重新安裝 ClinicDesk 以還原該檔案。</translation>
    </message>
    <message>
        <source>The password is empty. Type a password.</source>
        <translation>密碼為空白。請輸入密碼。</translation>
    </message>
    <message>
        <source>The password is too short: use at least {n} characters.</source>
        <translation>密碼太短：請至少使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The password is too long: use at most {n} characters.</source>
        <translation>密碼太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The password must not be the same as the user name.</source>
        <translation>密碼不能與使用者名稱相同。</translation>
    </message>
    <message>
        <source>The reason is too long: use at most 1000 characters.</source>
        <translation>原因太長：最多只能輸入 1000 個字元。</translation>
    </message>
    <message>
        <source>The clinic name is empty. Type the clinic&apos;s name.</source>
        <translation>診所名稱為空白。請輸入診所名稱。</translation>
    </message>
    <message>
        <source>The clinic name is {length} characters long; use at most {n} characters.</source>
        <translation>診所名稱長度為 {length} 個字元；最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The clinic name contains control characters; type it on one line.</source>
        <translation>診所名稱包含控制字元；請在同一行內輸入。</translation>
    </message>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>兩次輸入的通關密語不一致。請輸入兩次相同的通關密語。</translation>
    </message>
    <message>
        <source>The name is too long: use at most {n} characters.</source>
        <translation>名稱太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by ClinicDesk.</source>
        <translation>{path} 不是 ClinicDesk 備份，或已損毀。請選擇由 ClinicDesk 產生的 .cdbak 檔案。</translation>
    </message>
    <message>
        <source>The backup could not be written to {path} ({reason}). Check that the folder exists and has room, then try again.</source>
        <translation>無法將備份寫入 {path}（{reason}）。請確認該資料夾存在且有足夠空間，然後再試一次。</translation>
    </message>
    <message>
        <source>The backup failed its check.</source>
        <translation>備份未通過驗證。</translation>
    </message>
    <message>
        <source>The backup does not match the clinic&apos;s data (tables: {tables}).</source>
        <translation>備份與診所資料不一致（資料表：{tables}）。</translation>
    </message>
    <message>
        <source>{path} is a folder. Give a file name for the backup, ending in .cdbak.</source>
        <translation>{path} 是一個資料夾。請為備份指定一個以 .cdbak 結尾的檔名。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Choose a folder that exists.</source>
        <translation>資料夾 {path} 不存在。請選擇一個既有的資料夾。</translation>
    </message>
    <message>
        <source>The backup is damaged and was not restored: {detail}.</source>
        <translation>備份已損毀，未進行還原：{detail}。</translation>
    </message>
    <message>
        <source>A name is made of letters: remove the emoji or other symbols from it.</source>
        <translation>姓名只能由文字組成：請刪除其中的表情符號或其他符號。</translation>
    </message>
    <message>
        <source>The birth date is in the future: check the year and the month.</source>
        <translation>出生日期在未來：請核對年份和月份。</translation>
    </message>
    <message>
        <source>The birth date is more than {years} years ago: check the year.</source>
        <translation>出生日期早於 {years} 年前：請核對年份。</translation>
    </message>
    <message>
        <source>Choose from the offered values.</source>
        <translation>請從提供的選項中選擇。</translation>
    </message>
    <message>
        <source>The patient&apos;s name is empty. Type the name.</source>
        <translation>病患姓名為空白。請輸入姓名。</translation>
    </message>
    <message>
        <source>Choose the patient&apos;s sex.</source>
        <translation>請選擇病患性別。</translation>
    </message>
    <message>
        <source>Choose the kind of document the number is from.</source>
        <translation>請選擇此號碼所屬的證件類型。</translation>
    </message>
    <message>
        <source>The birth date does not match the one in the ID number: check both against the card.</source>
        <translation>出生日期與證件號碼中的出生日期不符：請對照證件核對兩者。</translation>
    </message>
    <message>
        <source>The sex does not match the one in the ID number: check both against the card.</source>
        <translation>性別與證件號碼中的性別不符：請對照證件核對兩者。</translation>
    </message>
    <message>
        <source>This is not an e-mail address: it looks like name@example.com.</source>
        <translation>這不是有效的電子郵件地址：格式應類似 name@example.com。</translation>
    </message>
    <message>
        <source>A QQ number has 5 to 12 digits and does not start with 0.</source>
        <translation>QQ 號碼由 5 到 12 位數字組成，且不以 0 開頭。</translation>
    </message>
    <message>
        <source>A WeChat ID has 6 to 20 letters, digits, - or _ and starts with a letter; or type the phone number it is linked to.</source>
        <translation>微信 ID 由 6 到 20 個英文字母、數字、- 或 _ 組成，且以英文字母開頭；也可以輸入其綁定的手機號碼。</translation>
    </message>
    <message>
        <source>Patients are never addressed by the bare full name or a bed number: type a form such as 王教授 or Ms Wong.</source>
        <translation>不能直接以全名或床號稱呼病患：請輸入稱呼，例如「王教授」或「Ms Wong」。</translation>
    </message>
    <message>
        <source>This is too long: use at most {n} characters.</source>
        <translation>內容太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The time {when} is in the future. Check the date and time, then try again.</source>
        <translation>時間 {when} 在未來。請檢查日期和時間，然後再試一次。</translation>
    </message>
    <message>
        <source>The date is before 1900. Check the year, then try again.</source>
        <translation>日期早於 1900 年。請檢查年份，然後再試一次。</translation>
    </message>
    <message>
        <source>The date {when} is in the future. Check the date, then try again.</source>
        <translation>日期 {when} 在未來。請檢查日期，然後再試一次。</translation>
    </message>
    <message>
        <source>The reason is empty. Type why this entry no longer applies, for example “entered in error” or “stopped by the doctor”.</source>
        <translation>原因為空白。請輸入此項目不再適用的原因，例如「輸入錯誤」或「醫師已停藥」。</translation>
    </message>
    <message>
        <source>The reason is empty. Type why this entry is being corrected.</source>
        <translation>原因為空白。請輸入更正此項目的原因。</translation>
    </message>
    <message>
        <source>This entry was already ended on {when}. Nothing was changed.</source>
        <translation>此項目已於 {when} 結束，未做任何變更。</translation>
    </message>
    <message>
        <source>This entry has been corrected already, perhaps by someone else. Open the record again and correct its latest version.</source>
        <translation>此項目已被更正過，可能是其他人所為。請重新開啟檔案，更正其最新版本。</translation>
    </message>
    <message>
        <source>This patient record was merged into another one. Open the other record and add it there.</source>
        <translation>此病患檔案已合併到另一份檔案中。請開啟另一份檔案，在該處新增。</translation>
    </message>
    <message>
        <source>That visit belongs to another patient. Choose one of this patient&apos;s visits.</source>
        <translation>該就診紀錄屬於另一位病患。請選擇此病患的就診紀錄。</translation>
    </message>
    <message>
        <source>Only a signed-in staff member can write this. Sign in with your own account.</source>
        <translation>只有已登入的員工才能填寫此內容。請使用您自己的帳號登入。</translation>
    </message>
    <message>
        <source>The chosen doctor is not a staff member of this clinic. Choose another doctor.</source>
        <translation>所選醫師不是本診所的員工。請選擇其他醫師。</translation>
    </message>
    <message>
        <source>{holder} is already booked from {start} to {end}. Choose another time; the next free times are: {free}.</source>
        <translation>{holder}在 {start} 至 {end} 已有預約。請選擇其他時間；接下來的空檔為：{free}。</translation>
    </message>
    <message>
        <source>{holder} is already booked from {start} to {end}, and no free time of this length was found in the next {days} days. Try another doctor or a shorter appointment.</source>
        <translation>{holder}在 {start} 至 {end} 已有預約，且在接下來的 {days} 天內找不到這麼長的空檔。請換一位醫師，或縮短預約時間。</translation>
    </message>
    <message>
        <source>Please confirm before saving: {details}</source>
        <translation>儲存前請確認：{details}</translation>
    </message>
    <message>
        <source>Bookings for {day} closed at {cutoff} the day before. Only the director can book it now (with a reason); ask them, or choose a later day.</source>
        <translation>{day} 的預約已於前一天 {cutoff} 截止。現在只有院長可以預約（需填寫原因）；請洽院長，或選擇較晚的日期。</translation>
    </message>
    <message>
        <source>The first-visit information (location, parking, what to bring) has not been written yet. Ask the director to fill it in under Settings, Clinic.</source>
        <translation>尚未填寫初診須知（地址、停車、需攜帶的物品）。請院長在「設定」的「診所」頁面中填寫。</translation>
    </message>
    <message>
        <source>The {label} is not a date and time. Pick it again.</source>
        <translation>{label}不是有效的日期和時間。請重新選擇。</translation>
    </message>
    <message>
        <source>The {label} has no time zone, so it could mean two different times. Pick it again on the calendar.</source>
        <translation>{label}沒有時區，可能對應兩個不同的時間。請在行事曆上重新選擇。</translation>
    </message>
    <message>
        <source>The length should be a whole number of minutes.</source>
        <translation>預約時間長度應為整數分鐘。</translation>
    </message>
    <message>
        <source>The appointment ends before or when it starts ({minutes} minutes). Give an end after the start, at least {low} minutes later.</source>
        <translation>預約的結束時間早於或等於開始時間（{minutes} 分鐘）。請將結束時間設在開始時間之後，至少相隔 {low} 分鐘。</translation>
    </message>
    <message>
        <source>An appointment of {minutes} minutes is too short: use at least {low}.</source>
        <translation>{minutes} 分鐘的預約太短：至少應為 {low} 分鐘。</translation>
    </message>
    <message>
        <source>An appointment of {minutes} minutes is too long: use at most {high} minutes (12 hours). Book several appointments for longer treatments.</source>
        <translation>{minutes} 分鐘的預約太長：最多為 {high} 分鐘（12 小時）。時間較長的治療請分多次預約。</translation>
    </message>
    <message>
        <source>Choose how the booking came in: phone, online, on site, referral or free-clinic event.</source>
        <translation>請選擇預約管道：電話、網路、現場、轉介或義診。</translation>
    </message>
    <message>
        <source>Unknown confirmation: {what}.</source>
        <translation>無法識別的確認項目：{what}。</translation>
    </message>
    <message>
        <source>A room or device in the list is not valid.</source>
        <translation>清單中有無效的診間或設備。</translation>
    </message>
    <message>
        <source>An appointment can hold at most {n} rooms and devices.</source>
        <translation>一筆預約最多可使用 {n} 個診間和設備。</translation>
    </message>
    <message>
        <source>This patient is a member and this purpose counts against the membership&apos;s {benefit} allowance, which is counted one visit at a time. Book each visit on its own (without Repeat), so each one is counted.</source>
        <translation>該病患是會員，此預約類型計入會員的「{benefit}」額度，須逐次計算。請每次單獨預約（不要設為週期預約），以便每次都計入額度。</translation>
    </message>
    <message>
        <source>appointment</source>
        <translation>預約</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>This patient record was merged into another one. Search for the patient again and book on the record that remains.</source>
        <translation>此病患檔案已合併到另一份檔案中。請重新搜尋該病患，並在保留下來的檔案上預約。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled, so no new appointments can be made with them. Choose another doctor; their existing appointments stay in the calendar.</source>
        <translation>{name}的帳號已停用，無法再為其新增預約。請選擇其他醫師；其既有的預約仍保留在行事曆中。</translation>
    </message>
    <message>
        <source>{name} is not open for booking. Choose another doctor, or ask the director to make {name} bookable in the roster.</source>
        <translation>{name}目前不開放預約。請選擇其他醫師，或請院長在排班中將{name}設為可預約。</translation>
    </message>
    <message>
        <source>That appointment type is no longer offered. Choose another type.</source>
        <translation>該預約類型已不再提供。請選擇其他類型。</translation>
    </message>
    <message>
        <source>room or device</source>
        <translation>診間或設備</translation>
    </message>
    <message>
        <source>{name} is out of use. Choose another room or device.</source>
        <translation>{name}已停用。請選擇其他診間或設備。</translation>
    </message>
    <message>
        <source>The appointment from {start} to {end} runs past midnight. End it by 24:00, or book a second appointment for the next day.</source>
        <translation>{start} 至 {end} 的預約跨過了午夜。請在 24:00 前結束，或為隔天另外預約一次。</translation>
    </message>
    <message>
        <source>{start} is in the past. Book it anyway only to record a visit.</source>
        <translation>{start} 已是過去的時間。只有補登已發生的就診時，才應仍然預約。</translation>
    </message>
    <message>
        <source>Bookings for {day} closed at {cutoff} the day before. As director you may book anyway: give a reason, it is recorded.</source>
        <translation>{day} 的預約已於前一天 {cutoff} 截止。您是院長，仍可預約：請填寫原因，系統會留存紀錄。</translation>
    </message>
    <message>
        <source>Give a reason for booking after the cutoff; it is kept in the audit log.</source>
        <translation>請填寫截止後預約的原因；該原因將記入稽核紀錄。</translation>
    </message>
    <message>
        <source>The clinic is closed on {day} ({why}). Book on that day anyway?</source>
        <translation>診所 {day} 休診（{why}）。仍要在當天預約嗎？</translation>
    </message>
    <message>
        <source>{start} to {end} is outside {name}&apos;s working hours that day ({hours}). Book anyway?</source>
        <translation>{start} 至 {end} 不在{name}當天的看診時段內（{hours}）。仍要預約嗎？</translation>
    </message>
    <message>
        <source>This patient already has an appointment from {start} to {end} with {doctor}. Book both anyway?</source>
        <translation>該病患在 {start} 至 {end} 已有{doctor}的預約。仍要同時保留兩筆預約嗎？</translation>
    </message>
    <message>
        <source>{start} is held for members with priority booking until {opens}; from that day it is open to everyone. This patient is not such a member: book the held time anyway?</source>
        <translation>{start} 是為享有優先預約的會員保留的時段，{opens} 起開放給所有人。該病患不是此類會員：仍要預約此保留時段嗎？</translation>
    </message>
    <message>
        <source>Bookings are real-name: check the patient&apos;s identity document (or confirm name and ID number on the phone), then tick &quot;Identity checked&quot;.</source>
        <translation>預約採實名制：請核對病患的身分證件（電話預約時請確認姓名和證件號碼），然後勾選「已核對病患身分」。</translation>
    </message>
    <message>
        <source>This appointment is {status} and can no longer be moved. Book a new one instead.</source>
        <translation>此預約的狀態為「{status}」，已無法更改。請改為新增預約。</translation>
    </message>
    <message>
        <source>Someone changed this appointment a moment ago. Look at it again, then move it.</source>
        <translation>剛才有人修改了此預約。請重新查看後再更改。</translation>
    </message>
    <message>
        <source>An appointment that is {current} cannot become {new}. Refresh the calendar and check its status.</source>
        <translation>狀態為「{current}」的預約不能改為「{new}」。請重新整理行事曆並檢查其狀態。</translation>
    </message>
    <message>
        <source>An arrival can only be undone on the same day. Ask the director to correct older records.</source>
        <translation>報到只能在當天撤銷。較早的紀錄請洽院長更正。</translation>
    </message>
    <message>
        <source>This patient is number {number} in today&apos;s queue. At Reception, mark them as left without being seen first, then undo the arrival.</source>
        <translation>該病患是今天候診隊列中的 {number} 號。請先在櫃檯將其標記為「未看診離開」，再撤銷到診。</translation>
    </message>
    <message>
        <source>visit</source>
        <translation>就診紀錄</translation>
    </message>
    <message>
        <source>allergy</source>
        <translation>過敏紀錄</translation>
    </message>
    <message>
        <source>medication</source>
        <translation>用藥紀錄</translation>
    </message>
    <message>
        <source>condition</source>
        <translation>疾病紀錄</translation>
    </message>
    <message>
        <source>vital signs</source>
        <translation>生命徵象紀錄</translation>
    </message>
    <message>
        <source>attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>assessment</source>
        <translation>評估紀錄</translation>
    </message>
    <message>
        <source>clinical note</source>
        <translation>臨床紀錄</translation>
    </message>
    <message>
        <source>The substance is empty. Type what the patient is allergic to.</source>
        <translation>過敏原為空白。請輸入病患對什麼過敏。</translation>
    </message>
    <message>
        <source>Choose how severe the allergy is (choose “unknown” if nobody knows).</source>
        <translation>請選擇過敏的嚴重程度（如果無人知道，請選擇「未知」）。</translation>
    </message>
    <message>
        <source>{substance} is already on the patient&apos;s allergy list. If that entry is wrong, end it first, then add the new one.</source>
        <translation>{substance} 已在病患的過敏清單中。如果該項目有誤，請先將其結束，再新增項目。</translation>
    </message>
    <message>
        <source>The medicine is empty. Type the name of the medicine the patient takes.</source>
        <translation>藥品為空白。請輸入病患正在服用的藥品名稱。</translation>
    </message>
    <message>
        <source>Choose where the medication information comes from.</source>
        <translation>請選擇用藥資訊的來源。</translation>
    </message>
    <message>
        <source>The condition is empty. Type the name of the condition, for example 高血压.</source>
        <translation>疾病名稱為空白。請輸入疾病名稱，例如「高血壓」。</translation>
    </message>
    <message>
        <source>Choose the kind of visit from the list.</source>
        <translation>請從清單中選擇就診類型。</translation>
    </message>
    <message>
        <source>The visit is empty. Type at least the complaint, the findings, the diagnosis or the plan.</source>
        <translation>就診紀錄為空白。請至少填寫主訴、檢查所見、診斷或處置其中一項。</translation>
    </message>
    <message>
        <source>The note is empty. Type the note.</source>
        <translation>備註為空白。請輸入備註內容。</translation>
    </message>
    <message>
        <source>No measurement was typed. Type at least one, for example the blood pressure.</source>
        <translation>未輸入任何測量值。請至少輸入一項，例如血壓。</translation>
    </message>
    <message>
        <source>The title is empty. Type what the document is, for example “Blood test”.</source>
        <translation>標題為空白。請輸入文件名稱，例如「血液檢查」。</translation>
    </message>
    <message>
        <source>The file is empty (0 bytes). Choose the file again, or scan the document again.</source>
        <translation>檔案為空（0 位元組）。請重新選擇檔案，或重新掃描文件。</translation>
    </message>
    <message>
        <source>The file is {size} MB, larger than the limit of {limit} MB. Make it smaller (for example, scan at a lower resolution), or ask the director to raise the limit in the settings.</source>
        <translation>檔案大小為 {size} MB，超過 {limit} MB 的上限。請縮小檔案（例如以較低解析度掃描），或請院長在設定中提高上限。</translation>
    </message>
    <message>
        <source>Choose what kind of document this is.</source>
        <translation>請選擇文件類型。</translation>
    </message>
    <message>
        <source>The file type “{mime}” is not valid. Leave it empty to detect it from the name.</source>
        <translation>檔案類型「{mime}」無效。留空即可依檔名自動判斷。</translation>
    </message>
    <message>
        <source>The assessment summary is empty. Type what the assessment found.</source>
        <translation>評估摘要為空白。請輸入評估結果。</translation>
    </message>
    <message>
        <source>The kind of assessment is empty. Type it, for example “general”.</source>
        <translation>評估類型為空白。請輸入類型，例如「一般」。</translation>
    </message>
    <message>
        <source>Choose the risk level from the list, or leave it empty.</source>
        <translation>請從清單中選擇風險等級，或留空。</translation>
    </message>
    <message>
        <source>A patient with this ID number is already registered. Open that record instead of registering again.</source>
        <translation>已有使用此證件號碼登記的病患。請開啟該檔案，不要重複登記。</translation>
    </message>
    <message>
        <source>A patient with the same name, birth date and phone is already registered. Open that record, or confirm this is a different person.</source>
        <translation>已有姓名、出生日期和電話都相同的病患登記。請開啟該檔案，或確認這是另一個人。</translation>
    </message>
    <message>
        <source>This record was merged into another one. Open that record to change the patient&apos;s details.</source>
        <translation>此檔案已合併到另一份檔案中。請開啟該檔案修改病患資料。</translation>
    </message>
    <message>
        <source>The note should be text.</source>
        <translation>備註應為文字。</translation>
    </message>
    <message>
        <source>The note contains invisible control characters. Type it again, or paste it as plain text.</source>
        <translation>備註中含有不可見的控制字元。請重新輸入，或以純文字方式貼上。</translation>
    </message>
    <message>
        <source>The date of death should be a date.</source>
        <translation>死亡日期應為日期。</translation>
    </message>
    <message>
        <source>That date is too long ago. Check the year.</source>
        <translation>該日期過早，請檢查年份。</translation>
    </message>
    <message>
        <source>The date of death ({day}) cannot be in the future. Check the date.</source>
        <translation>死亡日期（{day}）不能晚於今天。請檢查日期。</translation>
    </message>
    <message>
        <source>The date of death ({day}) is before the birth date ({birth}). Check both dates.</source>
        <translation>死亡日期（{day}）早於出生日期（{birth}）。請檢查這兩個日期。</translation>
    </message>
    <message>
        <source>Say whether the patient wants calls and whether they want messages.</source>
        <translation>請說明病患是否願意接聽電話，以及是否願意接收訊息。</translation>
    </message>
    <message>
        <source>Say why these two records are the same patient (at least 4 characters).</source>
        <translation>請說明為什麼這兩份檔案是同一位病患（至少 4 個字元）。</translation>
    </message>
    <message>
        <source>Choose two different records to merge.</source>
        <translation>請選擇兩份不同的檔案進行合併。</translation>
    </message>
    <message>
        <source>One of these records was already merged. Search again and choose the current record.</source>
        <translation>其中一份檔案已被合併。請重新搜尋並選擇目前的檔案。</translation>
    </message>
    <message>
        <source>The note is too long: use at most {n} characters.</source>
        <translation>備註太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>Choose how you contacted the patient.</source>
        <translation>請選擇聯絡病患的方式。</translation>
    </message>
    <message>
        <source>Choose whether the patient contacted us or we contacted them.</source>
        <translation>請選擇是病患聯絡我們，還是我們聯絡病患。</translation>
    </message>
    <message>
        <source>The summary is empty. Write what was said or agreed.</source>
        <translation>摘要為空白。請填寫溝通或約定的內容。</translation>
    </message>
    <message>
        <source>The summary is too long: use at most {n} characters.</source>
        <translation>摘要太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>There is no setting called {key}.</source>
        <translation>沒有名為 {key} 的設定項目。</translation>
    </message>
    <message>
        <source>The user name is empty. Type one.</source>
        <translation>使用者名稱為空白。請輸入使用者名稱。</translation>
    </message>
    <message>
        <source>The user name is too long: use at most {n} characters.</source>
        <translation>使用者名稱太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>A user name may use only letters a-z, digits and . _ - @ (for example zhang.li). Put the person&apos;s name in Chinese in the display name.</source>
        <translation>使用者名稱只能使用字母 a-z、數字以及 . _ - @（例如 zhang.li）。中文姓名請填寫在「姓名」欄位中。</translation>
    </message>
    <message>
        <source>The name is empty. Type the person&apos;s name.</source>
        <translation>姓名為空白。請輸入此人的姓名。</translation>
    </message>
    <message>
        <source>There is no role called {role}.</source>
        <translation>沒有名為 {role} 的角色。</translation>
    </message>
    <message>
        <source>The user name {login} is taken. Choose another user name.</source>
        <translation>使用者名稱 {login} 已被使用。請換一個使用者名稱。</translation>
    </message>
    <message>
        <source>{text} is not a time of day. Type hours and minutes from 00:00 to 24:00, such as 08:30.</source>
        <translation>{text} 不是有效的時間。請輸入 00:00 至 24:00 之間的小時和分鐘，例如 08:30。</translation>
    </message>
    <message>
        <source>{color} is not a colour code. Use # and six hexadecimal digits, such as #3A7BD5, or leave it empty.</source>
        <translation>{color} 不是有效的色碼。請使用 # 加六位十六進位數字，例如 #3A7BD5，或留空。</translation>
    </message>
    <message>
        <source>The plan&apos;s steps should be a list of steps.</source>
        <translation>方案的步驟應為一個步驟清單。</translation>
    </message>
    <message>
        <source>A plan needs at least one step. Add a step, or switch the plan off instead.</source>
        <translation>方案至少需要一個步驟。請新增步驟，或改為停用該方案。</translation>
    </message>
    <message>
        <source>A plan has at most {n} steps. Remove some steps.</source>
        <translation>一個方案最多 {n} 個步驟。請刪除部分步驟。</translation>
    </message>
    <message>
        <source>Step {n} is not a plan step.</source>
        <translation>第 {n} 步不是有效的方案步驟。</translation>
    </message>
    <message>
        <source>Step {n}: the days after the visit and the days allowed should each be a whole number from 0 to {top}.</source>
        <translation>第 {n} 步：就診後天數和可用天數都應為 0 到 {top} 之間的整數。</translation>
    </message>
    <message>
        <source>Step {n}: choose how the patient is contacted.</source>
        <translation>第 {n} 步：請選擇聯絡病患的方式。</translation>
    </message>
    <message>
        <source>Step {n}: choose who makes the contact.</source>
        <translation>第 {n} 步：請選擇回訪人。</translation>
    </message>
    <message>
        <source>Step {n}: the level should be a whole number from 0 to {top}.</source>
        <translation>第 {n} 步：級別應為 0 到 {top} 之間的整數。</translation>
    </message>
    <message>
        <source>Say whether the plan is in use.</source>
        <translation>請說明該方案是否啟用。</translation>
    </message>
    <message>
        <source>This complaint is closed. Reopen it (with a reason) to change it.</source>
        <translation>此投訴已結案。如需修改，請先重新開啟（須說明原因）。</translation>
    </message>
    <message>
        <source>This cannot be empty. Type it in, then try again.</source>
        <translation>此欄位不能空白。請填寫後再試一次。</translation>
    </message>
    <message>
        <source>Only a signed-in staff member can do this. Sign in with your own account.</source>
        <translation>只有已登入的員工才能執行此操作。請使用您自己的帳號登入。</translation>
    </message>
    <message>
        <source>The case still names the patient or the complainant. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>案例中仍有患者或投訴人的姓名。請刪除姓名、電話號碼和證件號碼：案例須匿名。</translation>
    </message>
    <message>
        <source>The case still holds a phone number. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>案例中仍有電話號碼。請刪除姓名、電話號碼和證件號碼：案例須匿名。</translation>
    </message>
    <message>
        <source>The case still holds an ID number or a record number. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>案例中仍有證件號碼或病歷號。請刪除姓名、電話號碼和證件號碼：案例須匿名。</translation>
    </message>
    <message>
        <source>Note {note}: {problem}</source>
        <translation>第 {note} 條意見：{problem}</translation>
    </message>
    <message>
        <source>This should be text.</source>
        <translation>此處應為文字。</translation>
    </message>
    <message>
        <source>This text contains invisible control characters. Type it again, or paste it as plain text.</source>
        <translation>此文字中含有不可見的控制字元。請重新輸入，或以純文字方式貼上。</translation>
    </message>
    <message>
        <source>“{value}” is not one of the choices. Choose one of: {choices}.</source>
        <translation>「{value}」不是可選項目。請從以下選項中選擇：{choices}。</translation>
    </message>
    <message>
        <source>This should be a date and a time.</source>
        <translation>此處應為日期和時間。</translation>
    </message>
    <message>
        <source>The time has no time zone, so it could be read two ways. Give the time with its time zone.</source>
        <translation>該時間沒有時區，可能有兩種解讀。請填寫含時區的時間。</translation>
    </message>
    <message>
        <source>The time {when} is too far back (before {limit}). Check the date, then try again.</source>
        <translation>時間 {when} 太早（早於 {limit}）。請檢查日期後再試一次。</translation>
    </message>
    <message>
        <source>This should be a calendar date.</source>
        <translation>此處應為日期。</translation>
    </message>
    <message>
        <source>Choose a staff member.</source>
        <translation>請選擇一位員工。</translation>
    </message>
    <message>
        <source>That staff member does not exist or their account is disabled. Choose someone who works here now.</source>
        <translation>該員工不存在或其帳號已停用。請選擇目前在職的員工。</translation>
    </message>
    <message>
        <source>That staff member is not on the staff list. Choose another.</source>
        <translation>該員工不在員工名單中。請另選一位。</translation>
    </message>
    <message>
        <source>complaint</source>
        <translation>投訴</translation>
    </message>
    <message>
        <source>This is not a complaint entry.</source>
        <translation>這不是投訴紀錄。</translation>
    </message>
    <message>
        <source>Who is complaining? Type the complainant&apos;s name (only suggestion-box notes may be anonymous).</source>
        <translation>投訴人是誰？請輸入投訴人姓名（只有意見箱中的意見可以匿名）。</translation>
    </message>
    <message>
        <source>The box was opened too long ago ({when}). Check the date.</source>
        <translation>開箱日期（{when}）距今太久。請檢查日期。</translation>
    </message>
    <message>
        <source>There are {count} notes; enter at most {n} at a time. Split the batch.</source>
        <translation>共有 {count} 條意見；每次最多輸入 {n} 條。請分批輸入。</translation>
    </message>
    <message>
        <source>Every note is blank. Type what the notes say, then save.</source>
        <translation>所有意見都是空白。請填寫意見內容後儲存。</translation>
    </message>
    <message>
        <source>This complaint was accepted already. Nothing changed.</source>
        <translation>此投訴已受理，未做任何變更。</translation>
    </message>
    <message>
        <source>The due day {when} has passed. Choose today or a later day.</source>
        <translation>期限 {when} 已過。請選擇今天或之後的日期。</translation>
    </message>
    <message>
        <source>No rectification was set for this complaint. Set one first.</source>
        <translation>此投訴尚未設定整改。請先設定整改。</translation>
    </message>
    <message>
        <source>{name} owns this complaint already. Choose someone else.</source>
        <translation>此投訴已由{name}負責。請選擇其他人。</translation>
    </message>
    <message>
        <source>Nothing was changed. Change a field, then save.</source>
        <translation>未做任何變更。請修改至少一個欄位後再儲存。</translation>
    </message>
    <message>
        <source>The complainant has not had a reply yet. Record the reply (when and how), then close the complaint.</source>
        <translation>尚未回覆投訴人。請先登記回覆（時間和方式），再結案。</translation>
    </message>
    <message>
        <source>This anonymous note cannot be replied to. Write a closing note saying what was done, then close it.</source>
        <translation>此匿名意見無法回覆。請填寫結案備註，說明已做的處理，然後結案。</translation>
    </message>
    <message>
        <source>The rectification is not done yet. Record it as done, then close the complaint.</source>
        <translation>整改尚未完成。請先登記整改完成，再結案。</translation>
    </message>
    <message>
        <source>This complaint is open already. Nothing changed.</source>
        <translation>此投訴目前未結案，未做任何變更。</translation>
    </message>
    <message>
        <source>This complaint was not escalated. There is nothing to mark as seen.</source>
        <translation>此投訴未上報院長，無需標記為已閱。</translation>
    </message>
    <message>
        <source>A training case was made from this complaint already. Open it in the training library instead.</source>
        <translation>此投訴已加入培訓案例庫。請在培訓案例庫中開啟該案例。</translation>
    </message>
    <message>
        <source>Give at most {n} whys, one per line.</source>
        <translation>最多填寫 {n} 個「為什麼」，每行一個。</translation>
    </message>
    <message>
        <source>A why in the middle is empty. Fill it in or remove it.</source>
        <translation>中間有一個「為什麼」是空白的。請填寫或刪除。</translation>
    </message>
    <message>
        <source>To finish the analysis, give at least one why, the root cause and the actions.</source>
        <translation>要完成分析，請至少填寫一個「為什麼」，以及根本原因和改進措施。</translation>
    </message>
    <message>
        <source>root-cause analysis</source>
        <translation>根因分析</translation>
    </message>
    <message>
        <source>staff member</source>
        <translation>員工</translation>
    </message>
    <message>
        <source>{name}&apos;s role does not make follow-up calls. Choose someone else, or leave the task to the pool.</source>
        <translation>{name}的角色不負責回訪。請選擇其他人，或將任務留在公共任務池中。</translation>
    </message>
    <message>
        <source>follow-up task</source>
        <translation>回訪任務</translation>
    </message>
    <message>
        <source>This follow-up is already {status}, so it cannot be changed. Refresh the list.</source>
        <translation>此回訪目前狀態為「{status}」，無法修改。請重新整理清單。</translation>
    </message>
    <message>
        <source>Choose whose follow-ups to show: mine, my role&apos;s, or all.</source>
        <translation>請選擇要顯示誰的回訪：我的、我所屬角色的，或全部。</translation>
    </message>
    <message>
        <source>Choose the kinds of follow-up to show.</source>
        <translation>請選擇要顯示的回訪類型。</translation>
    </message>
    <message>
        <source>Say what the follow-up is for (for example: pass on the test result).</source>
        <translation>請說明回訪的事由（例如：告知檢查結果）。</translation>
    </message>
    <message>
        <source>The last day ({last}) is before the first day ({first}). Swap them.</source>
        <translation>結束日期（{last}）早於開始日期（{first}）。請將兩者對調。</translation>
    </message>
    <message>
        <source>Choose days from today to at most {n} days ahead, for a window of at most {n} days.</source>
        <translation>請選擇從今天起最多 {n} 天內的日期，時間範圍最長 {n} 天。</translation>
    </message>
    <message>
        <source>Choose how the patient is contacted.</source>
        <translation>請選擇聯絡病患的方式。</translation>
    </message>
    <message>
        <source>Choose who makes the contact.</source>
        <translation>請選擇回訪人。</translation>
    </message>
    <message>
        <source>This patient is recorded as deceased, so no follow-up is added.</source>
        <translation>該病患已登錄為死亡，無法新增回訪。</translation>
    </message>
    <message>
        <source>This patient asked not to be contacted this way. Choose another way, or change the patient&apos;s contact choices first.</source>
        <translation>該病患要求不以此方式聯絡。請選擇其他方式，或先修改病患的聯絡偏好。</translation>
    </message>
    <message>
        <source>Choose why the follow-up is closed.</source>
        <translation>請選擇關閉回訪的原因。</translation>
    </message>
    <message>
        <source>The satisfaction answers should be scores per question.</source>
        <translation>滿意度回答應為每個問題的評分。</translation>
    </message>
    <message>
        <source>There is no satisfaction question “{key}”. Use the questions given.</source>
        <translation>沒有滿意度問題「{key}」。請使用既定的問題。</translation>
    </message>
    <message>
        <source>Each satisfaction answer is a score from 1 (poor) to 5 (very good).</source>
        <translation>每項滿意度評分應為 1（差）到 5（很好）之間的分數。</translation>
    </message>
    <message>
        <source>Choose how the call went: reached, no answer, wrong number or refused.</source>
        <translation>請選擇回訪結果：已聯絡上、無人接聽、號碼錯誤或拒絕交談。</translation>
    </message>
    <message>
        <source>Choose how the patient was contacted.</source>
        <translation>請選擇聯絡病患所用的方式。</translation>
    </message>
    <message>
        <source>Choose how the patient is recovering.</source>
        <translation>請選擇病患的康復情況。</translation>
    </message>
    <message>
        <source>Choose how the patient takes the medication.</source>
        <translation>請選擇病患的用藥情況。</translation>
    </message>
    <message>
        <source>Say whether the nurse&apos;s and the doctor&apos;s follow-ups took place.</source>
        <translation>請說明護理師和醫師的回訪是否已完成。</translation>
    </message>
    <message>
        <source>Say whether the patient confirmed the appointment.</source>
        <translation>請說明病患是否已確認預約。</translation>
    </message>
    <message>
        <source>The survey answers should be given per question.</source>
        <translation>調查回答應按題目逐一填寫。</translation>
    </message>
    <message>
        <source>Nobody was reached, so the call has no answers. Choose “reached”, or clear the answers and keep only the notes.</source>
        <translation>沒有聯絡上病患，因此本次回訪不應有回答內容。請選擇「已聯絡上」，或清除回答，僅保留備註。</translation>
    </message>
    <message>
        <source>Write the suggestion to forward to {department}, or do not forward.</source>
        <translation>請填寫要轉知{department}的建議，或不轉知。</translation>
    </message>
    <message>
        <source>follow-up call</source>
        <translation>電話回訪</translation>
    </message>
    <message>
        <source>Survey answers are recorded on a satisfaction survey call only.</source>
        <translation>調查回答只能在滿意度調查電話中記錄。</translation>
    </message>
    <message>
        <source>The patient refused the survey, so the call has no answers. Choose “reached”, or clear the answers.</source>
        <translation>病患拒絕了調查，因此本次電話不應有回答。請選擇「已聯絡上」，或清除回答。</translation>
    </message>
    <message>
        <source>Only a confirmation call that reached the patient can confirm the appointment.</source>
        <translation>只有已聯絡上病患的預約確認電話才能確認預約。</translation>
    </message>
    <message>
        <source>Ask whether the nurse and the doctor followed up, and record the answer.</source>
        <translation>請詢問護理師和醫師是否已回訪，並記錄回答。</translation>
    </message>
    <message>
        <source>That date range is too long: choose at most {n} days at a time.</source>
        <translation>日期範圍太長：每次最多選擇 {n} 天。</translation>
    </message>
    <message>
        <source>Choose how the call was: good, acceptable or poor.</source>
        <translation>請選擇本次回訪的品質：好、普通或差。</translation>
    </message>
    <message>
        <source>You made this call, so you cannot check it yourself. Ask another supervisor to check it.</source>
        <translation>這通電話是您打的，不能由您本人抽查。請另一位主管抽查。</translation>
    </message>
    <message>
        <source>Choose which forwarded suggestions to show.</source>
        <translation>請選擇要顯示哪些轉知的建議。</translation>
    </message>
    <message>
        <source>Write the department&apos;s answer to the suggestion.</source>
        <translation>請填寫科別對該建議的答覆。</translation>
    </message>
    <message>
        <source>forwarded suggestion</source>
        <translation>轉知的建議</translation>
    </message>
    <message>
        <source>This suggestion has been answered already. Refresh the list.</source>
        <translation>該建議已答覆。請重新整理清單。</translation>
    </message>
    <message>
        <source>Choose whether to count per department or per doctor.</source>
        <translation>請選擇依科別還是依醫師統計。</translation>
    </message>
    <message>
        <source>{where}: give the start and end as times of day, such as 08:30.</source>
        <translation>{where}：請以時間格式填寫開始和結束時間，例如 08:30。</translation>
    </message>
    <message>
        <source>{where}: {span} is outside the day. Times run from 00:00 to 24:00.</source>
        <translation>{where}：{span} 超出一天的範圍。時間應在 00:00 至 24:00 之間。</translation>
    </message>
    <message>
        <source>{where}: {span} ends before it starts or has no length. Make the end later than the start; hours past midnight belong to the next day.</source>
        <translation>{where}：{span} 的結束時間早於或等於開始時間。請讓結束時間晚於開始時間；午夜之後的時間屬於隔天。</translation>
    </message>
    <message>
        <source>The roster should be a list of working hours and breaks.</source>
        <translation>排班應由看診時段和休息時段組成。</translation>
    </message>
    <message>
        <source>A weekly roster has at most {n} blocks; join some of them.</source>
        <translation>每週排班最多 {n} 個時段；請合併其中一些。</translation>
    </message>
    <message>
        <source>There is no weekday {weekday}: use 0 for Monday up to 6 for Sunday.</source>
        <translation>不存在星期代碼 {weekday}：請以 0 表示週一，依序到 6 表示週日。</translation>
    </message>
    <message>
        <source>A roster block is working hours or a break, not {kind}.</source>
        <translation>排班時段只能是看診時段或休息時段，不能是「{kind}」。</translation>
    </message>
    <message>
        <source>On {weekday}, the working hours {first} and {second} overlap. Join them into one block or change one of them.</source>
        <translation>{weekday}的看診時段 {first} 與 {second} 重疊。請合併為一個時段，或修改其中一個。</translation>
    </message>
    <message>
        <source>On {weekday}, the break {span} is not inside the working hours. A break must fall within working hours; add the hours first.</source>
        <translation>{weekday}的休息時段 {span} 不在看診時段內。休息時段必須位於看診時段之內；請先新增看診時段。</translation>
    </message>
    <message>
        <source>staff account</source>
        <translation>員工帳號</translation>
    </message>
    <message>
        <source>{name} is a {role}. Only doctors and health managers have rosters and take appointments; change the role on the staff page first.</source>
        <translation>{name}的角色是{role}。只有醫師和健康管理師才有排班並接受預約；請先在員工頁面修改其角色。</translation>
    </message>
    <message>
        <source>Record an absence or a substitution on the absence screen: it also lists the patients to contact.</source>
        <translation>請在停診頁面登記停診或代診：該頁面也會列出需要聯絡的病患。</translation>
    </message>
    <message>
        <source>A roster change is a day off or extra hours, not {kind}.</source>
        <translation>排班異動只能是休假或加診，不能是「{kind}」。</translation>
    </message>
    <message>
        <source>Give the start and end time of the extra hours.</source>
        <translation>請填寫加診的開始和結束時間。</translation>
    </message>
    <message>
        <source>roster change</source>
        <translation>排班異動</translation>
    </message>
    <message>
        <source>This absence was recorded on the absence screen; cancel it there so the patients&apos; contact list stays right.</source>
        <translation>此停診是在停診頁面登記的；請在該頁面取消，以確保病患聯絡名單正確。</translation>
    </message>
    <message>
        <source>The clinic is already marked closed on {day}. Change or remove that closure instead.</source>
        <translation>診所 {day} 已標記為休診。請修改或刪除該休診設定。</translation>
    </message>
    <message>
        <source>closure</source>
        <translation>休診設定</translation>
    </message>
    <message>
        <source>A resource is a room or a device, not {kind}.</source>
        <translation>資源只能是診間或設備，不能是「{kind}」。</translation>
    </message>
    <message>
        <source>There is already a room or device called {name}. Choose another name.</source>
        <translation>已有名為「{name}」的診間或設備。請換一個名稱。</translation>
    </message>
    <message>
        <source>{count} upcoming appointments still need {name}. Move them to another room or device first, then take it off the calendar.</source>
        <translation>仍有 {count} 筆即將到來的預約需要使用{name}。請先將這些預約改到其他診間或設備，再將其從行事曆中移除。</translation>
    </message>
    <message>
        <source>The usual length must be a whole number of minutes from {low} to {high}; {value} is not.</source>
        <translation>預設時間長度必須是 {low} 至 {high} 之間的整數分鐘；{value} 不符合要求。</translation>
    </message>
    <message>
        <source>{value} is not a membership benefit a booking can count against. Choose one from the list, or none.</source>
        <translation>{value} 不是預約可計入的會員權益。請從清單中選擇，或選擇「無」。</translation>
    </message>
    <message>
        <source>Choose the rooms and devices from the list.</source>
        <translation>請從清單中選擇診間和設備。</translation>
    </message>
    <message>
        <source>An appointment type can need at most {n} rooms and devices.</source>
        <translation>一個預約類型最多可需要 {n} 個診間和設備。</translation>
    </message>
    <message>
        <source>One of the chosen rooms or devices no longer exists or is off the calendar. Choose them again.</source>
        <translation>所選的診間或設備中有一個已不存在或已從行事曆中移除。請重新選擇。</translation>
    </message>
    <message>
        <source>There is already an appointment type called {name}. Choose another name.</source>
        <translation>已有名為「{name}」的預約類型。請換一個名稱。</translation>
    </message>
    <message>
        <source>appointment type</source>
        <translation>預約類型</translation>
    </message>
    <message>
        <source>This is the only active director account; the clinic would have no one to manage it. Make another director first.</source>
        <translation>這是唯一一個啟用中的院長帳號；如果變更，診所將無人管理。請先設定另一位院長。</translation>
    </message>
    <message>
        <source>Choose a new password, not the current one.</source>
        <translation>請設定新的密碼，不能與目前的密碼相同。</translation>
    </message>
    <message>
        <source>{label}: type a whole number.</source>
        <translation>{label}：請輸入整數。</translation>
    </message>
    <message>
        <source>{label}: choose a number from {minimum} to {maximum}.</source>
        <translation>{label}：請輸入 {minimum} 到 {maximum} 之間的數字。</translation>
    </message>
    <message>
        <source>{label}: choose yes or no.</source>
        <translation>{label}：請選擇「是」或「否」。</translation>
    </message>
    <message>
        <source>{label}: type a time as HH:MM, e.g. 16:00.</source>
        <translation>{label}：請以 HH:MM 格式輸入時間，例如 16:00。</translation>
    </message>
    <message>
        <source>{label}: choose one of the offered values.</source>
        <translation>{label}：請從提供的選項中選擇一個。</translation>
    </message>
    <message>
        <source>{value} is not a time zone. Choose one such as Asia/Shanghai.</source>
        <translation>{value} 不是有效的時區。請選擇一個時區，例如 Asia/Taipei。</translation>
    </message>
    <message>
        <source>{label}: use at most {n} characters.</source>
        <translation>{label}：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>Messages cannot start being sent after the time they stop. Make &apos;send from&apos; earlier than &apos;send until&apos;.</source>
        <translation>訊息的開始傳送時間不能晚於停止傳送時間。請將「傳送開始時間」設得早於「傳送截止時間」。</translation>
    </message>
    <message>
        <source>{path} is a file, not a folder. Choose a folder for the clinic&apos;s data.</source>
        <translation>{path} 是檔案，不是資料夾。請為診所資料選擇一個資料夾。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Check the path and try again.</source>
        <translation>資料夾 {path} 不存在。請檢查路徑後再試一次。</translation>
    </message>
    <message>
        <source>The folder {path} cannot be created ({reason}). Choose a folder you may write to.</source>
        <translation>無法建立資料夾 {path}（{reason}）。請選擇一個您有寫入權限的資料夾。</translation>
    </message>
    <message>
        <source>{path} is on a network drive ({fs}). The clinic&apos;s database must be on this computer&apos;s own disk; to share data between computers, set up sync instead.</source>
        <translation>{path} 位於網路磁碟機上（{fs}）。診所資料庫必須存放在這台電腦本身的磁碟上；如需在多台電腦之間共用資料，請改為設定同步。</translation>
    </message>
    <message>
        <source>ClinicDesk cannot write in {path} ({reason}). Choose a folder on this computer that you may write to.</source>
        <translation>ClinicDesk 無法寫入 {path}（{reason}）。請在這台電腦上選擇一個您有寫入權限的資料夾。</translation>
    </message>
    <message>
        <source>The computer reported a problem with a file: {reason}. Check the disk and the folder&apos;s permissions, then try again.</source>
        <translation>電腦回報檔案發生問題：{reason}。請檢查磁碟和資料夾權限，然後再試一次。</translation>
    </message>
    <message>
        <source>Something went wrong and the action was not completed. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <translation>發生問題，操作未能完成。詳細資訊已記錄在記錄檔中；請告知負責診所電腦維護的人員。</translation>
    </message>
    <message>
        <source>ClinicDesk</source>
        <translation>ClinicDesk</translation>
    </message>
    <message>
        <source>The number of demo patients must be between 0 and {n}.</source>
        <translation>示範病患數量必須介於 0 到 {n} 之間。</translation>
    </message>
    <message>
        <source>The demo period must be more than 0 and at most {n} years.</source>
        <translation>示範期間必須大於 0 年且不超過 {n} 年。</translation>
    </message>
    <message>
        <source>The demo visits per year must be between 0 and {n}.</source>
        <translation>每年的示範就診次數必須介於 0 到 {n} 之間。</translation>
    </message>
    <message>
        <source>The clinic has no active doctor to write the demo visits. Add a doctor first.</source>
        <translation>診所沒有啟用中的醫師來記錄示範就診。請先新增一位醫師。</translation>
    </message>
    <message>
        <source>Type the document number.</source>
        <translation>請輸入證件號碼。</translation>
    </message>
    <message>
        <source>This is too long for a document number: type only the number printed on the document.</source>
        <translation>證件號碼過長：請只輸入證件上印的號碼。</translation>
    </message>
    <message>
        <source>A document number has only letters and digits (spaces, hyphens and brackets are ignored): remove the other characters and check the number on the document.</source>
        <translation>證件號碼只包含字母和數字（空格、連字號和括號會被忽略）：請刪除其他字元，並核對證件上的號碼。</translation>
    </message>
    <message>
        <source>Choose the kind of document first.</source>
        <translation>請先選擇證件類型。</translation>
    </message>
    <message>
        <source>A resident ID number has 18 characters: 17 digits, then a digit or X (cards from before 2004 may have 15 digits). Check the number on the card.</source>
        <translation>居民身分證號碼共 18 位：前 17 位為數字，最後一位為數字或 X（2004 年以前的證件可能是 15 位）。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A Hong Kong ID number is one or two letters, six digits and a check digit or A in brackets, for example A123456(3). Check the number on the card.</source>
        <translation>香港身分證號碼由一或兩個字母、六位數字和括號中的檢查碼（數字或 A）組成，例如 A123456(3)。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A Taiwan ID number is one letter and nine digits, for example A123456789. Check the number on the card.</source>
        <translation>臺灣身分證字號由一個英文字母和九位數字組成，例如 A123456789。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for example 1234567(8). Check the number on the card.</source>
        <translation>澳門身分證號碼以 1、5 或 7 開頭，後接六位數字和括號中的檢查碼，例如 1234567(8)。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A Home Return Permit number is H or M followed by 8 digits (older permits add 2 more digits). Check the number on the permit.</source>
        <translation>港澳居民來往內地通行證號碼為 H 或 M 加 8 位數字（舊證另有 2 位數字）。請核對通行證上的號碼。</translation>
    </message>
    <message>
        <source>A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). Check the number on the permit.</source>
        <translation>臺灣居民來往大陸通行證號碼為 8 位數字（舊證為 10 位）。請核對通行證上的號碼。</translation>
    </message>
    <message>
        <source>A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 letters and 12 digits). Check the number on the card.</source>
        <translation>外國人永久居留身分證號碼共 18 位，以 9 開頭（舊證為 3 個字母加 12 位數字）。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: 17 digits, then a digit or X. Check the number on the permit.</source>
        <translation>港澳臺居民居住證號碼共 18 位：前 17 位為數字，最後一位為數字或 X。請核對居住證上的號碼。</translation>
    </message>
    <message>
        <source>A passport number has 5 to 20 letters and digits. Check the number on the passport&apos;s photo page.</source>
        <translation>護照號碼由 5 到 20 個英文字母和數字組成。請核對護照照片頁上的號碼。</translation>
    </message>
    <message>
        <source>The last character of this resident ID does not match the others: check the number on the card.</source>
        <translation>此居民身分證號碼的最後一位與前面的數字不符：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The last character of this residence permit number does not match the others: check the number on the permit.</source>
        <translation>此居住證號碼的最後一位與前面的數字不符：請核對居住證上的號碼。</translation>
    </message>
    <message>
        <source>The last character of this permanent resident ID does not match the others: check the number on the card.</source>
        <translation>此永久居留身分證號碼的最後一位與前面的字元不符：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The check digit in brackets does not match this Hong Kong ID number: check the number on the card.</source>
        <translation>括號中的檢查碼與此香港身分證號碼不符：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The last digit of this Taiwan ID number does not match the others: check the number on the card.</source>
        <translation>此臺灣身分證字號的最後一位與前面的字元不符：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>This resident ID starts with a region code that does not exist: check the first two digits on the card.</source>
        <translation>此居民身分證號碼開頭的地區代碼不存在：請核對證件上號碼的前兩位。</translation>
    </message>
    <message>
        <source>Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent resident IDs. Check the number, or choose that kind of document.</source>
        <translation>居民身分證號碼不會以 9 開頭；以 9 開頭的是外國人永久居留身分證。請核對號碼，或選擇該證件類型。</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000. Check the number, or choose Resident ID for a mainland card.</source>
        <translation>港澳臺居民居住證號碼以 810000、820000 或 830000 開頭。請核對號碼；內地居民身分證請選擇「居民身分證」。</translation>
    </message>
    <message>
        <source>The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.</source>
        <translation>臺灣身分證字號的第二碼是 1、2、8 或 9：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The birth date inside this number is not a real date: check the number on the card.</source>
        <translation>號碼中包含的出生日期不是有效日期：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The birth date inside this number is in the future: check the number on the card.</source>
        <translation>號碼中包含的出生日期在未來：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The birth date inside this number is more than {years} years ago: check the number on the card.</source>
        <translation>號碼中包含的出生日期早於 {years} 年前：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>Type a phone number.</source>
        <translation>請輸入電話號碼。</translation>
    </message>
    <message>
        <source>A phone number has only digits: remove the letters (write an extension in the notes).</source>
        <translation>電話號碼只能包含數字：請刪除字母（分機號碼請寫在備註中）。</translation>
    </message>
    <message>
        <source>A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the other characters.</source>
        <translation>電話號碼只能包含數字、空格、連字號、括號和開頭的 +：請刪除其他字元。</translation>
    </message>
    <message>
        <source>This phone number is too short: type all of its digits, with the area code for a landline.</source>
        <translation>電話號碼太短：請輸入完整號碼，市話請加區碼。</translation>
    </message>
    <message>
        <source>This phone number is too long: check the digits, and type only one number.</source>
        <translation>電話號碼太長：請核對數字，並且只輸入一個號碼。</translation>
    </message>
    <message>
        <source>No country uses the code after the +: check it, or leave out the + for a number in this country.</source>
        <translation>+ 後面的國碼不存在：請核對；如是本國號碼，請不要輸入 +。</translation>
    </message>
    <message>
        <source>This is not a valid phone number for China: check the digits; for another country type + and its country code.</source>
        <translation>這不是有效的中國電話號碼：請核對數字；其他國家或地區的號碼請輸入 + 和國碼。</translation>
    </message>
    <message>
        <source>This is not a valid phone number in the clinic&apos;s region ({region}): check the digits; for another country type + and its country code.</source>
        <translation>這不是診所所在地區（{region}）的有效電話號碼：請核對數字；其他國家或地區的號碼請輸入 + 和國碼。</translation>
    </message>
    <message>
        <source>This is not a valid phone number for country code +{code}: check the digits and the country code.</source>
        <translation>這不是國碼 +{code} 的有效電話號碼：請核對數字和國碼。</translation>
    </message>
    <message>
        <source>The ICD-10 code “{code}” is not in the right form: it is a letter and two digits, then optionally a dot and up to four letters or digits, for example J06.9 or I10. Check it and type it again, or leave it empty.</source>
        <translation>ICD-10 代碼「{code}」格式不正確：應為一個英文字母加兩位數字，後面可接一個小數點和最多四個英文字母或數字，例如 J06.9 或 I10。請檢查後重新輸入，或留空。</translation>
    </message>
    <message>
        <source>The drug interaction table {path} cannot be used: {problem}. Prescriptions cannot be checked until the file is corrected or restored from the ClinicDesk installation.</source>
        <translation>藥物交互作用表 {path} 無法使用：{problem}。在修正該檔案或從 ClinicDesk 安裝程式還原之前，無法檢查處方。</translation>
    </message>
    <message>
        <source>The upper (systolic) blood pressure “{text}” is not a whole number: type it in mmHg, for example 120.</source>
        <translation>收縮壓（高壓）「{text}」不是整數：請以 mmHg 為單位輸入，例如 120。</translation>
    </message>
    <message>
        <source>An upper (systolic) blood pressure of {value} mmHg is not possible: measure again and type the new reading.</source>
        <translation>收縮壓（高壓）不可能為 {value} mmHg：請重新測量並輸入新的數值。</translation>
    </message>
    <message>
        <source>Upper (systolic) blood pressure {value} mmHg is unusual. Record it anyway?</source>
        <translation>收縮壓（高壓）{value} mmHg 超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The lower (diastolic) blood pressure “{text}” is not a whole number: type it in mmHg, for example 80.</source>
        <translation>舒張壓（低壓）「{text}」不是整數：請以 mmHg 為單位輸入，例如 80。</translation>
    </message>
    <message>
        <source>A lower (diastolic) blood pressure of {value} mmHg is not possible: measure again and type the new reading.</source>
        <translation>舒張壓（低壓）不可能為 {value} mmHg：請重新測量並輸入新的數值。</translation>
    </message>
    <message>
        <source>Lower (diastolic) blood pressure {value} mmHg is unusual. Record it anyway?</source>
        <translation>舒張壓（低壓）{value} mmHg 超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The pulse “{text}” is not a whole number: type the beats per minute, for example 72.</source>
        <translation>脈搏「{text}」不是整數：請輸入每分鐘的跳動次數，例如 72。</translation>
    </message>
    <message>
        <source>A pulse of {value} per minute is not possible: count again for a full minute and type it again.</source>
        <translation>脈搏不可能為每分鐘 {value} 次：請重新數滿一分鐘，然後再次輸入。</translation>
    </message>
    <message>
        <source>Pulse {value} per minute is unusual. Record it anyway?</source>
        <translation>脈搏每分鐘 {value} 次，超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The temperature “{text}” is not a number: type it in °C, for example 36.8.</source>
        <translation>體溫「{text}」不是數字：請以 °C 為單位輸入，例如 36.8。</translation>
    </message>
    <message>
        <source>Temperature {value} °C is not possible for a living person: check the thermometer reading and type it again.</source>
        <translation>人體體溫不可能為 {value} °C：請核對體溫計讀數後重新輸入。</translation>
    </message>
    <message>
        <source>Temperature {value} °C is unusual. Record it anyway?</source>
        <translation>體溫 {value} °C 超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The weight “{text}” is not a number: type it in kg, for example 65.5.</source>
        <translation>體重「{text}」不是數字：請以 kg 為單位輸入，例如 65.5。</translation>
    </message>
    <message>
        <source>A weight of {value} kg is not possible: check the scale reading and that it is in kg (not jin or pounds), then type it again.</source>
        <translation>體重不可能為 {value} kg：請核對體重計讀數，並確認單位是 kg（不是台斤或磅），然後重新輸入。</translation>
    </message>
    <message>
        <source>Weight {value} kg is unusual. Record it anyway?</source>
        <translation>體重 {value} kg 超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The height “{text}” is not a number: type it in cm, for example 170.</source>
        <translation>身高「{text}」不是數字：請以 cm 為單位輸入，例如 170。</translation>
    </message>
    <message>
        <source>A height of {value} cm is not possible: check that it is in cm (not metres), then type it again.</source>
        <translation>身高不可能為 {value} cm：請確認單位是 cm（不是公尺），然後重新輸入。</translation>
    </message>
    <message>
        <source>Height {value} cm is unusual. Record it anyway?</source>
        <translation>身高 {value} cm 超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The oxygen saturation “{text}” is not a whole number: type the percentage, for example 98.</source>
        <translation>血氧飽和度「{text}」不是整數：請輸入百分比，例如 98。</translation>
    </message>
    <message>
        <source>An oxygen saturation of {value}% is not possible (it is at most 100%): check the oximeter reading and type it again.</source>
        <translation>血氧飽和度不可能為 {value}%（最高為 100%）：請核對血氧機讀數後重新輸入。</translation>
    </message>
    <message>
        <source>Oxygen saturation {value}% is unusual. Record it anyway?</source>
        <translation>血氧飽和度 {value}% 超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The breathing rate “{text}” is not a whole number: type the breaths per minute, for example 16.</source>
        <translation>呼吸頻率「{text}」不是整數：請輸入每分鐘的呼吸次數，例如 16。</translation>
    </message>
    <message>
        <source>A breathing rate of {value} per minute is not possible: count again for a full minute and type it again.</source>
        <translation>呼吸頻率不可能為每分鐘 {value} 次：請重新數滿一分鐘，然後再次輸入。</translation>
    </message>
    <message>
        <source>Breathing rate {value} per minute is unusual. Record it anyway?</source>
        <translation>呼吸頻率每分鐘 {value} 次，超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The blood glucose “{text}” is not a number: type it in mmol/L, for example 5.6.</source>
        <translation>血糖「{text}」不是數字：請以 mmol/L 為單位輸入，例如 5.6。</translation>
    </message>
    <message>
        <source>A blood glucose of {value} mmol/L is not possible: check the meter reading and that it is in mmol/L (not mg/dL), then type it again.</source>
        <translation>血糖不可能為 {value} mmol/L：請核對血糖機讀數，並確認單位是 mmol/L（不是 mg/dL），然後重新輸入。</translation>
    </message>
    <message>
        <source>Blood glucose {value} mmol/L is unusual. Record it anyway?</source>
        <translation>血糖 {value} mmol/L 超出常見範圍。仍要記錄嗎？</translation>
    </message>
    <message>
        <source>The upper (systolic) blood pressure {systolic} must be higher than the lower (diastolic) {diastolic}: check that they are not swapped, then type them again.</source>
        <translation>收縮壓（高壓）{systolic} 必須高於舒張壓（低壓）{diastolic}：請檢查兩者是否填反，然後重新輸入。</translation>
    </message>
    <message>
        <source>A blood pressure needs both numbers, upper and lower, for example 120/80. Type the missing one, or clear both.</source>
        <translation>血壓需要高壓和低壓兩個數值，例如 120/80。請補上缺少的數值，或將兩者都清除。</translation>
    </message>
    <message>
        <source>The blood pressure “{text}” is not in the right form: type the upper and lower numbers with a slash between them, for example 120/80.</source>
        <translation>血壓「{text}」格式不正確：請輸入高壓和低壓，中間以斜線分隔，例如 120/80。</translation>
    </message>
    <message>
        <source>“{name}” is not a vital sign that can be confirmed.</source>
        <translation>「{name}」不是可確認的生命徵象。</translation>
    </message>
    <message>
        <source>Some readings are outside the usual range. Check them; if they are right, confirm them to record them anyway.</source>
        <translation>部分數值超出常見範圍。請核對；如果無誤，請確認後照常記錄。</translation>
    </message>
    <message>
        <source>This file cannot be imported: choose a CSV file (.csv) or an Excel workbook (.xlsx).</source>
        <translation>無法匯入此檔案：請選擇 CSV 檔案（.csv）或 Excel 活頁簿（.xlsx）。</translation>
    </message>
    <message>
        <source>This is an old-style Excel file (.xls). In Excel, use Save As and choose &apos;Excel Workbook (*.xlsx)&apos; or &apos;CSV UTF-8&apos;, then import that file.</source>
        <translation>這是舊版 Excel 檔案（.xls）。請在 Excel 中使用「另存新檔」，選擇「Excel 活頁簿 (*.xlsx)」或「CSV UTF-8 (逗號分隔)」，然後匯入新儲存的檔案。</translation>
    </message>
    <message>
        <source>This file is not a readable Excel workbook (it may be damaged or of another kind). Open it in Excel, save it again as .xlsx or as CSV UTF-8, then import that file.</source>
        <translation>此檔案不是可讀取的 Excel 活頁簿（可能已損毀或是其他類型的檔案）。請在 Excel 中開啟它，重新另存為 .xlsx 或 CSV UTF-8，然後匯入新儲存的檔案。</translation>
    </message>
    <message>
        <source>The file is empty: there are no patients in it to import.</source>
        <translation>檔案為空：其中沒有可匯入的病患。</translation>
    </message>
    <message>
        <source>There is no file to import at that place (it may have been moved, renamed or deleted). Choose the file again.</source>
        <translation>該位置沒有要匯入的檔案（可能已被移動、重新命名或刪除）。請重新選擇檔案。</translation>
    </message>
    <message>
        <source>The file has a header row but no patients under it. Check that you chose the right file (and the right sheet).</source>
        <translation>檔案有標題列，但下方沒有病患資料。請確認選擇了正確的檔案（以及正確的工作表）。</translation>
    </message>
    <message>
        <source>The file is too large to import ({megabytes} MB; at most {limit} MB). Split it into smaller files and import them one after another.</source>
        <translation>檔案太大，無法匯入（{megabytes} MB；上限 {limit} MB）。請將其拆分為多個較小的檔案，依序匯入。</translation>
    </message>
    <message>
        <source>The file has more than {limit} rows, more than one import can take. Split it into smaller files and import them one after another.</source>
        <translation>檔案超過 {limit} 列，超出單次匯入的上限。請將其拆分為多個較小的檔案，依序匯入。</translation>
    </message>
    <message>
        <source>This file is not plain text (it may be saved as UTF-16 without a byte-order mark, or be no table at all). In Excel, save it as &apos;CSV UTF-8 (comma delimited)&apos; or as .xlsx and import that file.</source>
        <translation>此檔案不是純文字檔（可能是以不含位元組順序標記的 UTF-16 儲存，或者根本不是表格）。請在 Excel 中將其另存為「CSV UTF-8 (逗號分隔)」或 .xlsx，然後匯入新儲存的檔案。</translation>
    </message>
    <message>
        <source>The file&apos;s characters cannot be read: it is neither UTF-8 nor GBK/GB18030 text. In Excel, save it again as &apos;CSV UTF-8 (comma delimited)&apos; and import that file.</source>
        <translation>無法讀取檔案中的字元：它既不是 UTF-8 文字，也不是 GBK/GB18030 文字。請在 Excel 中重新另存為「CSV UTF-8 (逗號分隔)」，然後匯入新儲存的檔案。</translation>
    </message>
    <message>
        <source>The workbook has no sheet named {sheet}. Its sheets are: {sheets}.</source>
        <translation>活頁簿中沒有名為 {sheet} 的工作表。現有工作表：{sheets}。</translation>
    </message>
    <message>
        <source>The file has no column for the patient&apos;s name, so nothing was imported. Columns found: {headers}. Name a column 姓名 (or 姓 and 名), or choose which column holds the name.</source>
        <translation>檔案中沒有病患姓名欄，因此未匯入任何資料。找到的欄位：{headers}。請將某一欄命名為「姓名」（或「姓」和「名」），或指定哪一欄是姓名。</translation>
    </message>
    <message>
        <source>&apos;{field}&apos; is not a patient field that can be imported. Use one of: {fields}.</source>
        <translation>「{field}」不是可匯入的病患欄位。請使用下列欄位之一：{fields}。</translation>
    </message>
    <message>
        <source>The file has no column &apos;{header}&apos;. Columns found: {headers}.</source>
        <translation>檔案中沒有「{header}」欄。找到的欄位：{headers}。</translation>
    </message>
    <message>
        <source>Excel stored this number as a number and lost its last digits. In Excel, format the column as Text, type the numbers again (or import the original list) and import again.</source>
        <translation>Excel 將此號碼儲存為數值，導致最後幾位遺失。請在 Excel 中將該欄設為「文字」格式，重新輸入號碼（或使用原始名單），然後重新匯入。</translation>
    </message>
    <message>
        <source>This date could be day/month or month/day. Write dates as year-month-day, for example 1985-03-12.</source>
        <translation>此日期既可能是「日/月」，也可能是「月/日」。請以「年-月-日」格式填寫日期，例如 1985-03-12。</translation>
    </message>
    <message>
        <source>This is not a date ClinicDesk can read. Write dates as year-month-day, for example 1985-03-12 or 1985年3月12日.</source>
        <translation>ClinicDesk 無法識別此日期。請以「年-月-日」格式填寫日期，例如 1985-03-12 或 1985年3月12日。</translation>
    </message>
    <message>
        <source>This date does not exist (check the month and the day).</source>
        <translation>此日期不存在（請檢查月份和日期）。</translation>
    </message>
    <message>
        <source>Write the sex as 男 or 女 (or M or F); leave it empty if it is not known.</source>
        <translation>性別請填寫「男」或「女」（或 M、F）；如果不清楚，請留空。</translation>
    </message>
    <message>
        <source>This ID type is not one ClinicDesk knows: write 身份证, 护照, 回乡证, 台胞证, 香港身份证, 澳门身份证, 台湾身份证, 居住证 or 永久居留证, or leave it empty.</source>
        <translation>ClinicDesk 無法識別此證件類型：請填寫居民身份證、護照、回鄉證、台胞證、香港身份證、澳門身份證、臺灣身分證、居住證或永久居留證，或留空。</translation>
    </message>
    <message>
        <source>The kind of document cannot be told from this number. Add an ID type column (证件类型) saying, for example, 身份证 or 护照.</source>
        <translation>無法根據此號碼判斷證件類型。請新增「證件類型」欄，填寫例如「居民身份證」或「護照」。</translation>
    </message>
    <message>
        <source>A name is made of letters: remove the emoji or other symbols from it and import again.</source>
        <translation>姓名應由文字組成：請刪除其中的表情符號或其他符號，然後重新匯入。</translation>
    </message>
    <message>
        <source>The name has no letters in it. Type the patient&apos;s name.</source>
        <translation>姓名中沒有任何文字。請輸入病患姓名。</translation>
    </message>
    <message>
        <source>This patient is already in row {row} of the file (same ID number, or same name, birth date and phone). Remove one of the two rows.</source>
        <translation>此病患已在檔案第 {row} 列中（證件號碼相同，或姓名、出生日期和電話都相同）。請刪除其中一列。</translation>
    </message>
    <message>
        <source>This prescription has {count} serious warning(s): a major interaction or an allergy. Nothing was saved. Read the warnings; to prescribe anyway, confirm them and give the reason.</source>
        <translation>此處方有 {count} 項嚴重警示：嚴重交互作用或過敏。未儲存任何內容。請閱讀警示；如仍要開立，請確認警示並填寫原因。</translation>
    </message>
    <message>
        <source>The {label} is too long: use at most {n} characters.</source>
        <translation>{label}太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>Line {line}: the {label} is too long: use at most {n} characters.</source>
        <translation>第 {line} 項：{label}太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>Line {line}: the {label} should be text.</source>
        <translation>第 {line} 項：{label}應為文字。</translation>
    </message>
    <message>
        <source>Line {line}: the drug name is empty. Type the drug, or remove the line.</source>
        <translation>第 {line} 項：藥品名稱為空白。請輸入藥品，或刪除此項。</translation>
    </message>
    <message>
        <source>Line {line}: choose how the drug is given (route).</source>
        <translation>第 {line} 項：請選擇給藥途徑。</translation>
    </message>
    <message>
        <source>Line {line}: choose how often the drug is taken.</source>
        <translation>第 {line} 項：請選擇用藥頻率。</translation>
    </message>
    <message>
        <source>Line {line}: choose when the drug is taken (before or after meals, at bedtime...).</source>
        <translation>第 {line} 項：請選擇用藥時間（飯前、飯後、睡前……）。</translation>
    </message>
    <message>
        <source>Line {line}: the duration must be a whole number of days from {low} to {high}.</source>
        <translation>第 {line} 項：用藥天數必須是 {low} 到 {high} 之間的整數。</translation>
    </message>
    <message>
        <source>The prescription has no drugs. Add at least one line.</source>
        <translation>處方中沒有藥品。請至少新增一項。</translation>
    </message>
    <message>
        <source>The prescription has {count} lines; at most {n} are allowed. Split it into two prescriptions.</source>
        <translation>此處方有 {count} 項，最多允許 {n} 項。請拆分為兩張處方。</translation>
    </message>
    <message>
        <source>prescription</source>
        <translation>處方</translation>
    </message>
    <message>
        <source>Say why the prescription is cancelled.</source>
        <translation>請說明作廢此處方的原因。</translation>
    </message>
    <message>
        <source>This prescription was already cancelled on {when}.</source>
        <translation>此處方已於 {when} 作廢。</translation>
    </message>
    <message>
        <source>The guidance is empty. Type what the patient was told.</source>
        <translation>用藥指導為空白。請輸入已告知病患的內容。</translation>
    </message>
    <message>
        <source>This prescription was cancelled, so no guidance can be added to it.</source>
        <translation>此處方已作廢，無法新增用藥指導。</translation>
    </message>
    <message>
        <source>The {label} should be text.</source>
        <translation>{label}應為文字。</translation>
    </message>
    <message>
        <source>The {label} is empty. Please fill it in.</source>
        <translation>{label}為空白。請填寫。</translation>
    </message>
    <message>
        <source>Give both the start and the end time, or neither for the whole day.</source>
        <translation>請同時填寫開始和結束時間；如為全天，則兩者都不填。</translation>
    </message>
    <message>
        <source>A time of day should be between 00:00 and 24:00 (0 to 1440 minutes).</source>
        <translation>時間應在 00:00 至 24:00 之間（0 至 1440 分鐘）。</translation>
    </message>
    <message>
        <source>The absence ends before or when it starts. Give an end after the start, or neither for the whole day.</source>
        <translation>停診的結束時間早於或等於開始時間。請將結束時間設在開始時間之後；如為全天停診，則兩者都不填。</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>A doctor records their own absence. Ask the desk or the director to record a colleague&apos;s.</source>
        <translation>醫師只能登記自己的停診。同事的停診請由櫃檯或院長登記。</translation>
    </message>
    <message>
        <source>The {label} should be a calendar date.</source>
        <translation>{label}應為日期。</translation>
    </message>
    <message>
        <source>{day} has already passed. An absence is recorded for today or a later day.</source>
        <translation>{day} 已經過去。停診只能登記今天或之後的日期。</translation>
    </message>
    <message>
        <source>A doctor cannot stand in for themselves. Choose another one.</source>
        <translation>醫師不能為自己代診。請選擇另一位醫師。</translation>
    </message>
    <message>
        <source>{name} cannot take appointments, so cannot stand in. Choose another doctor.</source>
        <translation>{name}不接受預約，因此無法代診。請選擇其他醫師。</translation>
    </message>
    <message>
        <source>An absence of {name} on {day} is already recorded. Open its list of patients instead of recording it again.</source>
        <translation>已登記{name} {day} 的停診。請開啟該停診的病患名單，不要重複登記。</translation>
    </message>
    <message>
        <source>absence</source>
        <translation>停診紀錄</translation>
    </message>
    <message>
        <source>Choose how the call went: contacted, moved, cancelled, unreachable or kept.</source>
        <translation>請選擇聯絡結果：已聯絡、已改約、已取消、聯絡不上或維持原預約。</translation>
    </message>
    <message>
        <source>patient to contact</source>
        <translation>待聯絡病患</translation>
    </message>
    <message>
        <source>This patient&apos;s appointment was already {status}. Change it on the calendar if needed.</source>
        <translation>該病患的預約已是「{status}」狀態。如需變更，請在行事曆中操作。</translation>
    </message>
    <message>
        <source>Give the new time or the new doctor the patient agreed to, then save.</source>
        <translation>請填寫病患同意的新時間或新醫師，然後儲存。</translation>
    </message>
    <message>
        <source>Choose the urgency: routine, urgent or emergency.</source>
        <translation>請選擇緊急程度：一般、緊急或急診。</translation>
    </message>
    <message>
        <source>This prescription was cancelled, so it has no medication card. Choose a current prescription.</source>
        <translation>此處方已作廢，無法列印用藥提醒卡。請選擇一張有效的處方。</translation>
    </message>
    <message>
        <source>This appointment was cancelled or missed, so there is no slip to print. Book a new appointment first.</source>
        <translation>此預約已取消或已爽約，沒有可列印的預約單。請先重新預約。</translation>
    </message>
    <message>
        <source>This membership was cancelled, so it has no card to print. Enrol the member again to print a new card.</source>
        <translation>此會員已註銷，沒有可列印的會員卡。請為其重新辦理會員後再列印新卡。</translation>
    </message>
    <message>
        <source>This membership ended on {day}; renew it before printing a card.</source>
        <translation>此會員已於 {day} 到期；請先續費再列印會員卡。</translation>
    </message>
    <message>
        <source>This person is not a current member of this membership, so it has no card for them. Add them to it first, or print their own membership&apos;s card.</source>
        <translation>此人目前不在這張會員卡上，因此沒有對應的會員卡。請先將其新增至該會員卡，或列印其本人的會員卡。</translation>
    </message>
    <message>
        <source>That call was made to another patient. Print the form from the call itself.</source>
        <translation>這通電話打給的是另一位病患。請從該通電話本身列印回訪表。</translation>
    </message>
    <message>
        <source>referral</source>
        <translation>轉診單</translation>
    </message>
    <message>
        <source>Attach at most {n} reports to a referral.</source>
        <translation>一張轉診單最多附加 {n} 份報告。</translation>
    </message>
    <message>
        <source>attached report</source>
        <translation>所附報告</translation>
    </message>
    <message>
        <source>No reading was typed. Type at least one vital sign.</source>
        <translation>未輸入任何數值。請至少輸入一項生命徵象。</translation>
    </message>
    <message>
        <source>This is not a date: type it as year-month-day, e.g. 1985-03-12.</source>
        <translation>這不是有效的日期：請以「年-月-日」格式輸入，例如 1985-03-12。</translation>
    </message>
    <message>
        <source>No file was chosen. Press “Choose…” and pick the file.</source>
        <translation>未選擇檔案。請按「選擇…」並選取檔案。</translation>
    </message>
    <message>
        <source>The file {name} could not be read ({problem}). Check that it is still there and not open in another program, then try again.</source>
        <translation>無法讀取檔案 {name}（{problem}）。請確認檔案仍在原處，且未在其他程式中開啟，然後再試一次。</translation>
    </message>
    <message>
        <source>The copy could not be saved to {path} ({problem}). Choose another folder, for example Documents, then try again.</source>
        <translation>無法將副本儲存到 {path}（{problem}）。請選擇其他資料夾（例如「文件」），然後再試一次。</translation>
    </message>
    <message>
        <source>There is no holiday calendar called {calendar}. Choose CN (mainland China), HK (Hong Kong), TW (Taiwan) or none.</source>
        <translation>沒有名為 {calendar} 的假日行事曆。請選擇 CN（中國大陸）、HK（香港）、TW（臺灣）或不使用。</translation>
    </message>
    <message>
        <source>Choose how often the appointment repeats: daily, weekly or monthly.</source>
        <translation>請選擇預約的重複頻率：每天、每週或每月。</translation>
    </message>
    <message>
        <source>The repeat interval should be a whole number.</source>
        <translation>重複間隔應為整數。</translation>
    </message>
    <message>
        <source>The repeat interval should be between 1 and {top} ({frequency}); {interval} is not possible.</source>
        <translation>重複間隔應在 1 至 {top} 之間（{frequency}）；不能為 {interval}。</translation>
    </message>
    <message>
        <source>Weekdays can only be chosen for a weekly repeat. Clear them, or choose weekly.</source>
        <translation>只有每週重複時才能選擇星期幾。請清除所選的星期，或改為每週重複。</translation>
    </message>
    <message>
        <source>A weekday should be 0 (Monday) to 6 (Sunday). Choose the days again.</source>
        <translation>星期應為 0（週一）至 6（週日）。請重新選擇。</translation>
    </message>
    <message>
        <source>The series ends ({until}) before its first day ({first}). Choose an end date on or after the first day.</source>
        <translation>週期預約的結束日期（{until}）早於第一次的日期（{first}）。請選擇第一次當天或之後的結束日期。</translation>
    </message>
    <message>
        <source>The number of appointments should be at least 1, or leave it empty for a series without a fixed number.</source>
        <translation>預約次數至少為 1；如不限定次數，請留空。</translation>
    </message>
    <message>
        <source>A series can have at most {limit} appointments; {count} were asked for. Choose fewer, or an end date.</source>
        <translation>一個週期預約最多 {limit} 次，目前要求 {count} 次。請減少次數，或改為設定結束日期。</translation>
    </message>
    <message>
        <source>Up to {until} this series would have more than {limit} appointments. Choose an earlier end date or a longer interval.</source>
        <translation>截至 {until}，此週期預約將超過 {limit} 次。請選擇較早的結束日期或較長的間隔。</translation>
    </message>
    <message>
        <source>The {label} should be a date.</source>
        <translation>{label}應為日期。</translation>
    </message>
    <message>
        <source>The last day ({last}) is before the first day ({first}). Choose the period again.</source>
        <translation>結束日期（{last}）早於開始日期（{first}）。請重新選擇期間。</translation>
    </message>
    <message>
        <source>Choose a period of at most {n} days for the statistics.</source>
        <translation>統計期間最多為 {n} 天，請重新選擇。</translation>
    </message>
    <message>
        <source>Group the statistics by day, doctor, channel or appointment type.</source>
        <translation>請依日期、醫師、預約管道或預約類型將統計分組。</translation>
    </message>
    <message>
        <source>Choose the month as a year and a month number.</source>
        <translation>請以年份和月份數字選擇月份。</translation>
    </message>
    <message>
        <source>There is no month {month} of {year} to summarise. Choose a month between 1 and 12 of a year from 2000.</source>
        <translation>不存在 {year} 年 {month} 月，無法彙整。請選擇 2000 年（含）以後年份的 1 至 12 月。</translation>
    </message>
    <message>
        <source>The series cannot be booked on {dates}. Nothing was saved. Skip these dates, choose another time or doctor, or confirm where that is allowed.</source>
        <translation>週期預約無法在 {dates} 預約，未儲存任何內容。請跳過這些日期、選擇其他時間或醫師，或在允許的情況下進行確認。</translation>
    </message>
    <message>
        <source>The start time should be minutes after midnight.</source>
        <translation>開始時間應為從午夜零時起算的分鐘數。</translation>
    </message>
    <message>
        <source>The start time should be between 00:00 and 23:59.</source>
        <translation>開始時間應在 00:00 至 23:59 之間。</translation>
    </message>
    <message>
        <source>Each appointment should last between {low} and {high} minutes.</source>
        <translation>每次預約時間長度應在 {low} 至 {high} 分鐘之間。</translation>
    </message>
    <message>
        <source>Each appointment would run past midnight. End it by 24:00, or start earlier.</source>
        <translation>每次預約都會跨過午夜。請在 24:00 前結束，或提早開始時間。</translation>
    </message>
    <message>
        <source>A series can only confirm &apos;outside working hours&apos; and &apos;patient already booked&apos;; skip the other dates instead.</source>
        <translation>週期預約只能確認「看診時段以外」和「病患已有預約」兩種情況；其他情況請跳過相應日期。</translation>
    </message>
    <message>
        <source>Moving after the booking cutoff needs the director; move this appointment from the calendar as the director, with a reason.</source>
        <translation>預約截止後改期需要院長操作：請由院長在行事曆中改期並填寫理由。</translation>
    </message>
    <message>
        <source>Too many days to skip: at most {n}.</source>
        <translation>要跳過的日期太多：最多 {n} 天。</translation>
    </message>
    <message>
        <source>{name} cannot take appointments. Choose another doctor.</source>
        <translation>{name}不接受預約。請選擇其他醫師。</translation>
    </message>
    <message>
        <source>Choose whether closed days are skipped or booked and flagged.</source>
        <translation>請選擇休診日要跳過，還是照常預約並加以標記。</translation>
    </message>
    <message>
        <source>The first day ({day}) has passed. Start the series today or later.</source>
        <translation>第一次的日期（{day}）已經過去。請從今天或之後開始週期預約。</translation>
    </message>
    <message>
        <source>This series has no day left to book (all skipped or closed). Choose other days.</source>
        <translation>此週期預約已沒有可預約的日期（全部被跳過或休診）。請選擇其他日期。</translation>
    </message>
    <message>
        <source>This appointment is not part of a series. Change it on its own.</source>
        <translation>此預約不屬於週期預約。請單獨修改。</translation>
    </message>
    <message>
        <source>appointment series</source>
        <translation>週期預約</translation>
    </message>
    <message>
        <source>Choose what to change: this appointment, this and the following ones, or all.</source>
        <translation>請選擇修改範圍：僅此預約、此預約及之後的預約，或全部。</translation>
    </message>
    <message>
        <source>Weekdays belong to the whole series. Change this and the following appointments, or all, to change them.</source>
        <translation>星期設定屬於整個週期預約。如需修改，請選擇修改「此預約及之後的預約」或「全部」。</translation>
    </message>
    <message>
        <source>The priority should be a whole number from 0 to {top} (higher first).</source>
        <translation>優先順序應為 0 至 {top} 之間的整數（數值越大越優先）。</translation>
    </message>
    <message>
        <source>The earliest and latest days should be dates.</source>
        <translation>「最早日期」和「最晚日期」都應為日期。</translation>
    </message>
    <message>
        <source>The latest day ({latest}) is before the earliest day ({earliest}). Swap them or choose again.</source>
        <translation>最晚日期（{latest}）早於最早日期（{earliest}）。請將兩者對調或重新選擇。</translation>
    </message>
    <message>
        <source>The latest day ({latest}) has already passed. Choose a day from today on.</source>
        <translation>最晚日期（{latest}）已經過去。請選擇今天或之後的日期。</translation>
    </message>
    <message>
        <source>waitlist entry</source>
        <translation>候補紀錄</translation>
    </message>
    <message>
        <source>The slot&apos;s start time needs a time zone.</source>
        <translation>該時段的開始時間需要包含時區。</translation>
    </message>
    <message>
        <source>The slot&apos;s length should be between 1 minute and 24 hours.</source>
        <translation>該時段的長度應在 1 分鐘至 24 小時之間。</translation>
    </message>
    <message>
        <source>This record was merged into another one. Use the record it was merged into.</source>
        <translation>此檔案已合併到另一份檔案中。請使用合併後的檔案。</translation>
    </message>
    <message>
        <source>That appointment belongs to another patient. Choose this patient&apos;s own appointment, or none.</source>
        <translation>該預約屬於另一位病患。請選擇此病患本人的預約，或不選擇。</translation>
    </message>
    <message>
        <source>That appointment is no longer booked, so there is nothing to move earlier. Add the patient without it.</source>
        <translation>該預約已不再有效，無需提前。請不連結該預約，直接將病患加入候補名單。</translation>
    </message>
    <message>
        <source>This patient is already on the list for this doctor. Change that entry instead of adding another.</source>
        <translation>該病患已在此醫師的候補名單中。請修改那筆紀錄，不要重複新增。</translation>
    </message>
    <message>
        <source>This waitlist entry is already {status}, so it cannot be changed that way. Refresh the list.</source>
        <translation>此候補紀錄的狀態已是「{status}」，無法這樣修改。請重新整理名單。</translation>
    </message>
    <message>
        <source>That appointment belongs to another patient. Choose the new appointment of this patient.</source>
        <translation>該預約屬於另一位病患。請選擇此病患的新預約。</translation>
    </message>
    <message>
        <source>Say why the patient is taken off the list (for example: not needed).</source>
        <translation>請說明將病患移出名單的原因（例如：已不需要）。</translation>
    </message>
    <message>
        <source>This patient is already checked in, with queue number {queue_no}. Find number {queue_no} on the board instead of checking in again.</source>
        <translation>此病患已報到，號碼為 {queue_no}。請在看板上找到 {queue_no} 號，不要重複報到。</translation>
    </message>
    <message>
        <source>Nobody is waiting for this doctor right now. Patients appear in the queue as soon as the desk checks them in.</source>
        <translation>目前沒有病患在等這位醫師。櫃檯一完成報到，病患就會出現在候診名單中。</translation>
    </message>
    <message>
        <source>Number {number} is still waiting, so this step is not possible yet.</source>
        <translation>{number} 號仍在候診，暫時無法進行此操作。</translation>
    </message>
    <message>
        <source>Number {number} has been called but the consultation has not started. Start it first, or call the number again.</source>
        <translation>{number} 號已叫號，但尚未開始看診。請先開始看診，或重新叫號。</translation>
    </message>
    <message>
        <source>Number {number} is already in consultation. Refresh the queue to see where they are.</source>
        <translation>{number} 號已在看診中。請重新整理候診名單查看其目前狀態。</translation>
    </message>
    <message>
        <source>Number {number} was sent back to the desk. Put them back in the queue first.</source>
        <translation>{number} 號已轉回櫃檯。請先讓其重新候診。</translation>
    </message>
    <message>
        <source>Number {number} has already finished. If they need to see a doctor again, check them in again as a walk-in.</source>
        <translation>{number} 號已看診完畢。如需再次看診，請以現場掛號重新報到。</translation>
    </message>
    <message>
        <source>Number {number} was marked as gone. If they came back, put them back in the queue first.</source>
        <translation>{number} 號已標記為離開。如果病患回來了，請先讓其重新候診。</translation>
    </message>
    <message>
        <source>Choose what the patient comes for from the list.</source>
        <translation>請從清單中選擇病患的就診事由。</translation>
    </message>
    <message>
        <source>Check-in is real-name: look at the patient&apos;s identity document (or ask for name and ID number), then tick &quot;Identity checked&quot;.</source>
        <translation>報到採實名制：請查看病患的身分證件（或詢問姓名和證件號碼），然後勾選「已核對身分」。</translation>
    </message>
    <message>
        <source>The arrival time {when} is in the future. Type when the patient came in, or leave it empty for now.</source>
        <translation>到達時間 {when} 在未來。請輸入病患實際到達的時間，或暫時留空。</translation>
    </message>
    <message>
        <source>The arrival time {when} is more than {hours} hours ago. Check the date and the time of day.</source>
        <translation>到達時間 {when} 距今已超過 {hours} 小時。請檢查日期和時間。</translation>
    </message>
    <message>
        <source>{name} does not see patients here (account disabled or not a doctor). Choose another doctor.</source>
        <translation>{name}不在本診所看診（帳號已停用或不是醫師）。請選擇其他醫師。</translation>
    </message>
    <message>
        <source>queue entry</source>
        <translation>候診紀錄</translation>
    </message>
    <message>
        <source>Choose a day on the calendar.</source>
        <translation>請在行事曆中選擇一天。</translation>
    </message>
    <message>
        <source>Choose the appointment or the patient to check in, one of the two.</source>
        <translation>請選擇要報到的預約或病患，二者擇一。</translation>
    </message>
    <message>
        <source>This appointment is for {day} at {time}, not today. Check the patient in for today anyway?</source>
        <translation>此預約是 {day} {time} 的，不是今天。仍要為病患辦理今天的報到嗎？</translation>
    </message>
    <message>
        <source>This appointment was cancelled. Book a new one, or check the patient in as a walk-in.</source>
        <translation>此預約已取消。請重新預約，或以現場掛號為病患報到。</translation>
    </message>
    <message>
        <source>This appointment was marked as a no-show. Check the patient in as a walk-in, or book a new appointment.</source>
        <translation>此預約已標記為未到診。請以現場掛號為病患報到，或重新預約。</translation>
    </message>
    <message>
        <source>This appointment is already {status} on the calendar. If the patient needs to see a doctor again, check them in as a walk-in.</source>
        <translation>此預約在行事曆中已是「{status}」狀態。如果病患需要再次看診，請以現場掛號為其報到。</translation>
    </message>
    <message>
        <source>Tick what was done for the waiting patient (at least one).</source>
        <translation>請勾選為候診病患做了什麼（至少一項）。</translation>
    </message>
    <message>
        <source>Choose what was done from the list.</source>
        <translation>請從清單中選擇所做的處理。</translation>
    </message>
    <message>
        <source>Say in the note what &quot;Other&quot; was.</source>
        <translation>請在備註中說明「其他」是什麼。</translation>
    </message>
    <message>
        <source>Choose the doctor whose queue this is.</source>
        <translation>請選擇要查看哪位醫師的候診名單。</translation>
    </message>
    <message>
        <source>Choose why the patient goes back to the desk.</source>
        <translation>請選擇病患轉回櫃檯的原因。</translation>
    </message>
    <message>
        <source>This workstation already syncs through {hub}. Nothing was changed.</source>
        <translation>這台工作站已透過 {hub} 同步，未做任何變更。</translation>
    </message>
    <message>
        <source>Joining needs the clinic director&apos;s sign-in: {login} is not a director of this clinic, or the password is wrong. Nothing was set up on this computer.</source>
        <translation>加入同步需要診所院長登入：{login} 不是本診所的院長，或密碼錯誤。這台電腦未做任何設定。</translation>
    </message>
    <message>
        <source>Give this workstation a name people recognise, such as &quot;Front desk&quot; or &quot;Dr Wang&apos;s room&quot;.</source>
        <translation>請為這台工作站取一個大家都認得出的名稱，例如「櫃檯」或「王醫師診間」。</translation>
    </message>
    <message>
        <source>This is the workstation you are using. Remove it from another enrolled workstation.</source>
        <translation>這是您正在使用的工作站。請在另一台已加入同步的工作站上將其移除。</translation>
    </message>
    <message>
        <source>This conflict was already settled, here or at another workstation.</source>
        <translation>此衝突已在這台電腦或其他工作站上處理過了。</translation>
    </message>
    <message>
        <source>This value cannot be written back here; change the record itself.</source>
        <translation>此值無法在此寫回；請直接修改該筆紀錄。</translation>
    </message>
    <message>
        <source>This computer&apos;s clock is {minutes} minutes off the hub&apos;s (more than the {limit} allowed), so sync is paused: changes dated wrongly would overwrite newer ones. Set the computer&apos;s date and time (or turn on automatic time) and sync again.</source>
        <translation>這台電腦的時鐘與同步伺服器相差 {minutes} 分鐘（超過允許的 {limit} 分鐘），因此已暫停同步：時間不對的變更可能會覆蓋較新的變更。請校正這台電腦的日期和時間（或開啟自動設定時間），然後重新同步。</translation>
    </message>
    <message>
        <source>Another workstation runs a newer ClinicDesk and sent changes this version cannot read. Sync stopped before them; update ClinicDesk on this computer.</source>
        <translation>另一台工作站使用的是較新版本的 ClinicDesk，傳來的變更本版本無法讀取。同步已在這些變更之前停止；請在這台電腦更新 ClinicDesk。</translation>
    </message>
    <message>
        <source>A change from workstation {device} cannot be used ({detail}). Sync stopped before it so nothing is applied out of order; tell whoever looks after ClinicDesk.</source>
        <translation>來自工作站 {device} 的一項變更無法使用（{detail}）。同步已在該變更之前停止，以免資料依錯誤順序寫入；請告知負責維護 ClinicDesk 的人員。</translation>
    </message>
    <message>
        <source>This workstation does not sync: it works on its own. The director can set up sync in Settings → Sync.</source>
        <translation>這台工作站未啟用同步，獨立運作。院長可在「設定 → 同步」中設定同步。</translation>
    </message>
    <message>
        <source>The sync hub refused the request: {detail}</source>
        <translation>同步伺服器拒絕了請求：{detail}</translation>
    </message>
    <message>
        <source>The sync hub cannot be reached ({detail}). Work goes on here and is kept; it is sent when the hub can be reached again. If this lasts, ask whoever looks after the clinic&apos;s network.</source>
        <translation>無法連線到同步伺服器（{detail}）。這台電腦可以繼續工作，所有內容都會保留，待重新連上伺服器後再傳送。如果一直無法連線，請洽負責診所網路的人員。</translation>
    </message>
    <message>
        <source>The hub address is not a PostgreSQL address ({detail}). It looks like postgresql://user:password@host:5432/database.</source>
        <translation>同步伺服器位址不是有效的 PostgreSQL 位址（{detail}）。格式應類似 postgresql://user:password@host:5432/database。</translation>
    </message>
    <message>
        <source>This clinic already syncs through this hub. To add this computer, create a pairing code on a workstation that is already enrolled.</source>
        <translation>本診所已透過此同步伺服器同步。若要加入這台電腦，請在已加入同步的工作站上產生配對碼。</translation>
    </message>
    <message>
        <source>The hub does not know this workstation (or its credentials changed). Enrol it again with a pairing code from an enrolled workstation.</source>
        <translation>同步伺服器無法識別這台工作站（或其登入憑證已變更）。請使用已加入同步的工作站產生的配對碼重新加入。</translation>
    </message>
    <message>
        <source>This workstation was removed from the clinic&apos;s sync, so the hub refuses its changes. They are kept here; ask the director to enrol it again.</source>
        <translation>這台工作站已被移出診所同步，同步伺服器拒絕接收它的變更。這些變更仍保留在這台電腦上；請院長將其重新加入。</translation>
    </message>
    <message>
        <source>Another workstation runs a newer ClinicDesk, so the hub refuses changes from this older one. Update ClinicDesk here; nothing made here is lost meanwhile.</source>
        <translation>另一台工作站使用的是較新版本的 ClinicDesk，因此同步伺服器拒絕接收這台舊版工作站的變更。請在這台電腦更新 ClinicDesk；在此期間，這裡所做的內容都不會遺失。</translation>
    </message>
    <message>
        <source>The hub is missing some of this workstation&apos;s earlier changes ({detail}). Sync stopped so nothing is applied out of order; tell whoever looks after ClinicDesk.</source>
        <translation>同步伺服器缺少這台工作站先前的部分變更（{detail}）。同步已停止，以免資料依錯誤順序寫入；請告知負責維護 ClinicDesk 的人員。</translation>
    </message>
    <message>
        <source>This workstation was away longer than the hub keeps its log of changes. It needs a full copy from the hub: the director chooses Settings → Sync → Full resync…; nothing made here is lost.</source>
        <translation>這台工作站離線的時間超過了同步伺服器保留變更紀錄的期限，需要從同步伺服器取得一份完整副本：請院長選擇「設定 → 同步 → 完整重新同步…」；這台電腦上所做的內容都不會遺失。</translation>
    </message>
    <message>
        <source>That is not a pairing code: it has 20 letters and digits in four groups, like 7KQ2M-XW4PD-9RTZB-H3N6C. Check it on the enrolled workstation&apos;s screen.</source>
        <translation>這不是有效的配對碼：配對碼由 20 個字母和數字組成，分為四組，例如 7KQ2M-XW4PD-9RTZB-H3N6C。請對照已加入同步的工作站螢幕上顯示的配對碼核對。</translation>
    </message>
    <message>
        <source>The hub has no such pairing code: it was already used, it expired, or it was typed wrongly. Create a new one on an enrolled workstation.</source>
        <translation>同步伺服器上沒有這個配對碼：它可能已被使用、已過期，或輸入有誤。請在已加入同步的工作站上產生新的配對碼。</translation>
    </message>
    <message>
        <source>Changes made here are still being sent, so a snapshot now would miss them. Try again in a minute.</source>
        <translation>這台電腦的變更仍在傳送中，現在建立快照會遺漏這些變更。請過一分鐘再試。</translation>
    </message>
    <message>
        <source>The disk holding {folder} is full, so the batch file was not written and no message is marked exported. Free some space or choose another folder.</source>
        <translation>{folder} 所在的磁碟已滿，批次檔未寫入，也沒有訊息被標記為已匯出。請釋出一些空間或選擇其他資料夾。</translation>
    </message>
    <message>
        <source>ClinicDesk may not write in {folder}, so no message is marked exported. Choose a folder you can write to, such as Documents.</source>
        <translation>ClinicDesk 無權寫入 {folder}，因此沒有訊息被標記為已匯出。請選擇一個您有寫入權限的資料夾，例如「文件」。</translation>
    </message>
    <message>
        <source>The folder {folder} does not exist. Choose an existing folder.</source>
        <translation>資料夾 {folder} 不存在。請選擇一個既有的資料夾。</translation>
    </message>
    <message>
        <source>The batch file could not be written in {folder} ({detail}). No message is marked exported; try another folder.</source>
        <translation>無法在 {folder} 中寫入批次檔（{detail}）。沒有訊息被標記為已匯出；請嘗試其他資料夾。</translation>
    </message>
    <message>
        <source>{path} already exists; an earlier batch is not overwritten. Choose another name or folder.</source>
        <translation>{path} 已存在；不會覆蓋先前的批次檔。請選擇其他檔名或資料夾。</translation>
    </message>
    <message>
        <source>The {what} has a lone {{ or }}. Write placeholders as a name in braces, like {{honorific}}, and type a brace as {{{{ or }}}}.</source>
        <translation>{what}中有一個落單的 {{ 或 }}。預留位置應寫成以大括號括起來的名稱，如 {{honorific}}；若要輸入大括號本身，請寫成 {{{{ 或 }}}}。</translation>
    </message>
    <message>
        <source>Write the placeholder {{{name}}} plainly, without &apos;:&apos; or &apos;!&apos; after the name.</source>
        <translation>請直接寫預留位置 {{{name}}}，名稱後不要加「:」或「!」。</translation>
    </message>
    <message>
        <source>The {what} is empty. Type what the patient should read.</source>
        <translation>{what}為空白。請輸入病患要看到的內容。</translation>
    </message>
    <message>
        <source>The {what} contains control characters (perhaps pasted from another program). Retype it; the subject must be a single line.</source>
        <translation>{what}中含有控制字元（可能是從其他程式貼上的）。請重新輸入；主旨必須為單行。</translation>
    </message>
    <message>
        <source>The subject is {n} characters long: use at most {top}.</source>
        <translation>主旨長 {n} 個字元：最多 {top} 個。</translation>
    </message>
    <message>
        <source>The {what} is {n} characters long: use at most {top}.</source>
        <translation>{what}長 {n} 個字元：最多 {top} 個。</translation>
    </message>
    <message>
        <source>The {what} starts with &apos;{first}&apos;, which a spreadsheet would read as a formula in the SMS batch file. Start it with a word, such as {{honorific}}.</source>
        <translation>{what}以「{first}」開頭，在簡訊批次檔中會被試算表當作公式。請以文字開頭，例如 {{honorific}}。</translation>
    </message>
    <message>
        <source>The {what} uses {{{name}}}, which ClinicDesk cannot fill. Use only these placeholders: {allowed}.</source>
        <translation>{what}中使用了 {{{name}}}，ClinicDesk 無法填入。只能使用以下預留位置：{allowed}。</translation>
    </message>
    <message>
        <source>The message needs a value for {{{name}}}, and none was given. Give it, or take the placeholder out of the template.</source>
        <translation>訊息需要 {{{name}}} 的值，但未提供。請提供該值，或從範本中刪除此預留位置。</translation>
    </message>
    <message>
        <source>The {label} needs a date, a time and a time zone.</source>
        <translation>{label}需要包含日期、時間和時區。</translation>
    </message>
    <message>
        <source>The reason is too long: use at most {n} characters.</source>
        <translation>原因過長：最多 {n} 個字元。</translation>
    </message>
    <message>
        <source>There is no message template &apos;{code}&apos;. Choose one of the list.</source>
        <translation>沒有訊息範本「{code}」。請從清單中選擇一個。</translation>
    </message>
    <message>
        <source>The template&apos;s name is too long: use at most {n} characters.</source>
        <translation>範本名稱過長：最多 {n} 個字元。</translation>
    </message>
    <message>
        <source>This kind of message has no {{{name}}} to fill (it is not about an appointment). Use only {allowed}.</source>
        <translation>此類訊息沒有可填入 {{{name}}} 的內容（它與預約無關）。只能使用 {allowed}。</translation>
    </message>
    <message>
        <source>Choose whether the template is on.</source>
        <translation>請選擇是否啟用該範本。</translation>
    </message>
    <message>
        <source>A message value &apos;{name}&apos; cannot be given: ClinicDesk fills {{honorific}}, {{clinic}} and {{clinic_phone}} itself, and knows only {allowed}.</source>
        <translation>無法提供訊息值「{name}」：ClinicDesk 會自動填入 {{honorific}}、{{clinic}} 和 {{clinic_phone}}，且只認得 {allowed}。</translation>
    </message>
    <message>
        <source>The message gives the clinic&apos;s phone number, which is not set. Set it in Settings &gt; Clinic.</source>
        <translation>訊息中包含診所電話，但尚未設定。請在「設定 → 診所」中設定。</translation>
    </message>
    <message>
        <source>The message is empty. Type what the patient should read.</source>
        <translation>訊息為空白。請輸入病患要看到的內容。</translation>
    </message>
    <message>
        <source>The text message would be {n} characters long; SMS platforms cut messages beyond {top}. Shorten it.</source>
        <translation>這則簡訊將長達 {n} 個字；簡訊平台會截斷超過 {top} 個字的內容。請縮短。</translation>
    </message>
    <message>
        <source>campaign</source>
        <translation>健康提醒</translation>
    </message>
    <message>
        <source>The patient&apos;s e-mail address &apos;{email}&apos; is not a valid address, and there is no mobile or WeChat to use instead. Correct it in the patient&apos;s record.</source>
        <translation>病患的電子郵件地址「{email}」無效，且沒有可替代的手機號碼或微信。請在病患資料中更正。</translation>
    </message>
    <message>
        <source>This patient asked not to receive messages, so none is queued.</source>
        <translation>該病患要求不接收訊息，因此未加入待傳送佇列。</translation>
    </message>
    <message>
        <source>This patient&apos;s death is recorded, so no message is sent.</source>
        <translation>該病患已登錄死亡，因此不會傳送訊息。</translation>
    </message>
    <message>
        <source>This patient has no mainland mobile number, e-mail address or WeChat id to send to. Add one in the patient&apos;s record, or call instead.</source>
        <translation>該病患沒有可傳送的中國大陸手機號碼、電子郵件地址或微信 ID。請在病患資料中新增，或改為電話聯絡。</translation>
    </message>
    <message>
        <source>This message is already in the outbox.</source>
        <translation>此訊息已在待傳送佇列中。</translation>
    </message>
    <message>
        <source>This message would mention the patient&apos;s diagnosis or a medicine they take, which messages never do (someone else may read them). Change the wording.</source>
        <translation>此訊息會提及病患的診斷或所用藥品，而訊息中絕不能出現這些內容（可能被他人看到）。請修改措辭。</translation>
    </message>
    <message>
        <source>This message template is switched off. Switch it on under the message templates, or choose another.</source>
        <translation>此訊息範本已停用。請在訊息範本中啟用它，或選擇其他範本。</translation>
    </message>
    <message>
        <source>message</source>
        <translation>訊息</translation>
    </message>
    <message>
        <source>&apos;{state}&apos; is not a message state. Use one of {all}.</source>
        <translation>「{state}」不是有效的訊息狀態。請使用以下之一：{all}。</translation>
    </message>
    <message>
        <source>Show from 1 to 100000 messages at a time.</source>
        <translation>每次顯示 1 到 100000 則訊息。</translation>
    </message>
    <message>
        <source>Say why the message is cancelled (for example: rebooked).</source>
        <translation>請說明取消訊息的原因（例如：已改約）。</translation>
    </message>
    <message>
        <source>This message is {state}, so it can no longer be cancelled. Refresh the list.</source>
        <translation>此訊息狀態為「{state}」，已無法取消。請重新整理清單。</translation>
    </message>
    <message>
        <source>This message may already have reached the patient (it is {state}). Check that it did not, then confirm to send it again.</source>
        <translation>此訊息可能已送達病患（狀態為「{state}」）。請先確認未送達，再確認重新傳送。</translation>
    </message>
    <message>
        <source>Only a failed message can be tried again; this one is {state}.</source>
        <translation>只有傳送失敗的訊息才能重試；此訊息狀態為「{state}」。</translation>
    </message>
    <message>
        <source>Only a message whose result is unknown can be marked as arrived; this one is {state}.</source>
        <translation>只有結果未知的訊息才能標記為已送達；此訊息狀態為「{state}」。</translation>
    </message>
    <message>
        <source>Several workstations share this clinic. Choose the one that sends messages in Settings &gt; Messages, so that no message goes out twice.</source>
        <translation>本診所有多台工作站。請在「設定 → 訊息」中指定負責傳送訊息的工作站，以免訊息重複送出。</translation>
    </message>
    <message>
        <source>Messages are sent from the workstation &apos;{name}&apos;, not this one, so that none goes out twice. Send from there, or change it in Settings &gt; Messages.</source>
        <translation>訊息由工作站「{name}」傳送，而不是這台電腦，以免重複送出。請在該工作站上傳送，或在「設定 → 訊息」中變更。</translation>
    </message>
    <message>
        <source>Only SMS and WeChat messages go out in a batch file; e-mail is sent.</source>
        <translation>只有簡訊和微信訊息透過批次檔送出；電子郵件會直接寄出。</translation>
    </message>
    <message>
        <source>These messages are sent through the gateway &apos;{name}&apos;, so there is no batch file to make.</source>
        <translation>這些訊息透過閘道「{name}」傳送，因此無需產生批次檔。</translation>
    </message>
    <message>
        <source>The condition to look for is too long: use at most {n} characters.</source>
        <translation>要搜尋的病情條件過長：最多 {n} 個字元。</translation>
    </message>
    <message>
        <source>Ages are whole numbers from 0 to 150.</source>
        <translation>年齡應為 0 到 150 之間的整數。</translation>
    </message>
    <message>
        <source>The youngest age ({low}) is above the oldest ({high}). Swap them.</source>
        <translation>最小年齡（{low}）大於最大年齡（{high}）。請對調。</translation>
    </message>
    <message>
        <source>Choose the patients&apos; sex, or any.</source>
        <translation>請選擇病患性別，或選擇「不限」。</translation>
    </message>
    <message>
        <source>&apos;Visited since&apos; should be a day up to today.</source>
        <translation>「就診日期起」應為不晚於今天的日期。</translation>
    </message>
    <message>
        <source>Choose a visit category from the list, or any.</source>
        <translation>請從清單中選擇就診類型，或選擇「不限」。</translation>
    </message>
    <message>
        <source>Give the campaign a name (for example: 冬季保暖提醒).</source>
        <translation>請為健康提醒命名（例如：冬季保暖提醒）。</translation>
    </message>
    <message>
        <source>The campaign&apos;s name is too long: use at most {n} characters.</source>
        <translation>健康提醒名稱過長：最多 {n} 個字元。</translation>
    </message>
    <message>
        <source>A campaign message cannot use {{{name}}}: it has no appointment. Use {{honorific}}, {{clinic}} and {{clinic_phone}} only.</source>
        <translation>健康提醒訊息不能使用 {{{name}}}：它不涉及預約。只能使用 {{honorific}}、{{clinic}} 和 {{clinic_phone}}。</translation>
    </message>
    <message>
        <source>The message names the condition the patients were chosen by ({word}). Messages never mention a diagnosis: write general advice instead.</source>
        <translation>訊息中提到了篩選病患所依據的病情（{word}）。訊息絕不能提及診斷：請改寫為一般性建議。</translation>
    </message>
    <message>
        <source>A deadline needs a time with its time zone.</source>
        <translation>計算期限需要帶時區的時間。</translation>
    </message>
    <message>
        <source>A time limit cannot be negative.</source>
        <translation>時限不能為負數。</translation>
    </message>
    <message>
        <source>No deadline can be found: the clinic is closed on every day for years ahead. Check the clinic&apos;s closures.</source>
        <translation>無法計算期限：今後數年診所每天都處於停診狀態。請檢查診所的停診設定。</translation>
    </message>
    <message>
        <source>The {what} should be a date. Choose it on the calendar.</source>
        <translation>{what}應為日期。請在行事曆中選擇。</translation>
    </message>
    <message>
        <source>The period is {n} days long. Choose at most {max} days (a year); the yearly report compares longer spans.</source>
        <translation>所選期間長達 {n} 天。最多可選 {max} 天（一年）；更長的跨度請用年度報告比較。</translation>
    </message>
    <message>
        <source>Choose the doctor from the list.</source>
        <translation>請從清單中選擇醫師。</translation>
    </message>
    <message>
        <source>Show a trend of 1 to 36 months, or none.</source>
        <translation>趨勢請選擇 1 至 36 個月，或不顯示趨勢。</translation>
    </message>
    <message>
        <source>Choose a week, a month, a quarter or a year for the report.</source>
        <translation>請為報告選擇週、月、季或年度。</translation>
    </message>
    <message>
        <source>There is no table called {table} to export. Choose complaints, survey answers, follow-up calls, self-checks, root causes or metrics.</source>
        <translation>沒有名為 {table} 的資料表可匯出。請選擇投訴、調查答卷、隨訪電話、自查記錄、根因分析或指標。</translation>
    </message>
    <message>
        <source>questionnaire</source>
        <translation>問卷</translation>
    </message>
    <message>
        <source>Give the questions as a list.</source>
        <translation>題目應以清單形式提供。</translation>
    </message>
    <message>
        <source>A questionnaire has 1 to {most} questions; this one has {n}. Add or remove questions.</source>
        <translation>問卷須有 1 至 {most} 題；此問卷有 {n} 題。請新增或刪除題目。</translation>
    </message>
    <message>
        <source>Question {n}: its key should be 1 to 32 small letters a-z, digits or underscores (for example: waiting_time).</source>
        <translation>第 {n} 題：代碼應為 1 至 32 個小寫字母 a-z、數字或底線（例如：waiting_time）。</translation>
    </message>
    <message>
        <source>Question {n}: the key “{key}” is used twice. Give each its own.</source>
        <translation>第 {n} 題：代碼「{key}」重複使用。請為每一題設定不同的代碼。</translation>
    </message>
    <message>
        <source>Question {n}: choose a score from 1 to 5 or an open question.</source>
        <translation>第 {n} 題：請選擇 1 至 5 分評分題或開放式問題。</translation>
    </message>
    <message>
        <source>Question {n} has no text. Write the question.</source>
        <translation>第 {n} 題沒有內容。請填寫題目。</translation>
    </message>
    <message>
        <source>A questionnaire needs at least one question scored from 1 to 5: the satisfaction rate is counted from those.</source>
        <translation>問卷至少需要一題 1 至 5 分的評分題：滿意率依評分題計算。</translation>
    </message>
    <message>
        <source>Give the questionnaire a name.</source>
        <translation>請為問卷命名。</translation>
    </message>
    <message>
        <source>Choose what the questionnaire is for.</source>
        <translation>請選擇問卷用途。</translation>
    </message>
    <message>
        <source>Say whether the questionnaire is in use.</source>
        <translation>請說明該問卷是否啟用。</translation>
    </message>
    <message>
        <source>The question “{key}” already has answers, so it cannot change between a score and an open question. Add a new question with its own key instead.</source>
        <translation>題目「{key}」已有回答，不能在評分題和開放式問題之間切換。請改為新增一題，並使用新的代碼。</translation>
    </message>
    <message>
        <source>A survey week starts on a Monday; {day} is not one.</source>
        <translation>調查週從星期一開始；{day} 不是星期一。</translation>
    </message>
    <message>
        <source>The week of {day} has not started yet. Draw this week&apos;s sample or an earlier week&apos;s.</source>
        <translation>{day} 所在的週尚未開始。請抽取本週或之前各週的樣本。</translation>
    </message>
    <message>
        <source>The week of {day} is more than a year ago: its patients are not asked any more. Choose a recent week.</source>
        <translation>{day} 所在的週已是一年多以前：不再對該週的病患進行調查。請選擇最近的一週。</translation>
    </message>
    <message>
        <source>Choose how the sample is asked: by call or by form.</source>
        <translation>請選擇調查方式：電話或紙本問卷。</translation>
    </message>
    <message>
        <source>A reference code is 8 letters and digits, as printed at the foot of the form (for example 3F2A-9C1B). Check it and type it again.</source>
        <translation>問卷編號由 8 位字母和數字組成，印在問卷底部（例如 3F2A-9C1B）。請核對後重新輸入。</translation>
    </message>
    <message>
        <source>survey sample with that code</source>
        <translation>編號對應的調查樣本</translation>
    </message>
    <message>
        <source>Give the answers as a list.</source>
        <translation>回答應以清單形式提供。</translation>
    </message>
    <message>
        <source>There is no question “{key}” in this questionnaire. Use the questions given.</source>
        <translation>此問卷中沒有題目「{key}」。請使用問卷中的題目。</translation>
    </message>
    <message>
        <source>The question “{key}” is answered twice. Keep one answer.</source>
        <translation>題目「{key}」回答了兩次。請只保留一個回答。</translation>
    </message>
    <message>
        <source>The question “{key}” is answered with a score from 1 (very dissatisfied) to 5 (very satisfied).</source>
        <translation>題目「{key}」應以 1（非常不滿意）至 5（非常滿意）的分數作答。</translation>
    </message>
    <message>
        <source>The question “{key}” takes a score from 1 to 5, not text. Write remarks in an open question.</source>
        <translation>題目「{key}」應填 1 至 5 分，不能填文字。意見請寫在開放式問題中。</translation>
    </message>
    <message>
        <source>The question “{key}” is answered in words, not with a score.</source>
        <translation>題目「{key}」應以文字作答，而不是分數。</translation>
    </message>
    <message>
        <source>No question is answered. Record at least one answer, or leave it.</source>
        <translation>沒有任何題目有回答。請至少記錄一個回答，或放棄輸入。</translation>
    </message>
    <message>
        <source>This patient&apos;s survey was already answered on {day}. Each drawn patient answers once.</source>
        <translation>該病患已於 {day} 完成調查。每位抽中的病患只回答一次。</translation>
    </message>
    <message>
        <source>Say whether the answers came by call or form.</source>
        <translation>請說明回答來自電話還是紙本問卷。</translation>
    </message>
    <message>
        <source>The answer date {day} should be today or within the last year, not in the future.</source>
        <translation>回答日期 {day} 應為今天或一年以內的日期，不能是未來的日期。</translation>
    </message>
    <message>
        <source>survey sample</source>
        <translation>調查樣本</translation>
    </message>
    <message>
        <source>This patient was drawn for another questionnaire. Enter the answers on the form printed for them.</source>
        <translation>該病患被抽中填寫的是另一份問卷。請依為其列印的問卷輸入回答。</translation>
    </message>
    <message>
        <source>The question “{key}” is answered with a score from 1 to 5 or with words.</source>
        <translation>題目「{key}」應以 1 至 5 分或文字作答。</translation>
    </message>
    <message>
        <source>This survey call&apos;s patient is no longer in the week&apos;s sample. Close the task as no longer needed.</source>
        <translation>此調查電話的病患已不在本週樣本中。請以「已無需回訪」為由關閉此任務。</translation>
    </message>
    <message>
        <source>Show the results by question, doctor or department.</source>
        <translation>請選擇按題目、醫師或科別顯示結果。</translation>
    </message>
    <message>
        <source>Choose the role of the checklist.</source>
        <translation>請選擇自查表適用的崗位。</translation>
    </message>
    <message>
        <source>Give the items as a list.</source>
        <translation>條目應以清單形式提供。</translation>
    </message>
    <message>
        <source>Item {n} repeats an earlier one. Remove it.</source>
        <translation>第 {n} 項與前面的條目重複。請刪除。</translation>
    </message>
    <message>
        <source>A checklist has 1 to {most} items; this one has {n}.</source>
        <translation>自查表須有 1 至 {most} 項；此表有 {n} 項。</translation>
    </message>
    <message>
        <source>Sign in as a staff member to fill in a self-check.</source>
        <translation>請以員工身分登入後填寫自查。</translation>
    </message>
    <message>
        <source>A self-check is filled in for today, or for yesterday after a late shift; not for {day}.</source>
        <translation>自查只能填寫當天的，或在上晚班後補填前一天的；不能填寫 {day} 的。</translation>
    </message>
    <message>
        <source>Tick item {n}, or leave it unticked.</source>
        <translation>請勾選第 {n} 項，或保持不勾選。</translation>
    </message>
    <message>
        <source>Say what was missed in item {n}.</source>
        <translation>請說明第 {n} 項漏做了什麼。</translation>
    </message>
    <message>
        <source>The checklist was changed while you filled it in. Open it again and answer every item.</source>
        <translation>您填寫期間自查表已被修改。請重新開啟並逐項填寫。</translation>
    </message>
    <message>
        <source>A period is counted in months or years.</source>
        <translation>會員週期以月或年計。</translation>
    </message>
    <message>
        <source>A period is 1 to 120 months or years long.</source>
        <translation>週期長度為 1 至 120 個月或年。</translation>
    </message>
    <message>
        <source>That day ({day}) is before the membership began ({start}).</source>
        <translation>該日期（{day}）早於會員開始日期（{start}）。</translation>
    </message>
    <message>
        <source>A membership lasts at least one period.</source>
        <translation>會員資格至少為一個週期。</translation>
    </message>
    <message>
        <source>A quota is a whole number, 0 or more.</source>
        <translation>次數額度須為 0 或以上的整數。</translation>
    </message>
    <message>
        <source>A price is an amount of 0 or more.</source>
        <translation>價格須為 0 或以上的金額。</translation>
    </message>
    <message>
        <source>Choose how a change of tier is priced.</source>
        <translation>請選擇變更會員等級時的計費方式。</translation>
    </message>
    <message>
        <source>The membership runs from {start} to {end}; a change on {day} is outside it. Renew it instead.</source>
        <translation>會員有效期為 {start} 至 {end}，{day} 不在有效期內，無法變更等級。請改為續費。</translation>
    </message>
    <message>
        <source>The allowance for {benefit} is used up: {used} of {quota} from {first} to {last}. The director can allow one more with a reason.</source>
        <translation>{benefit}的額度已用完：{first} 至 {last} 期間已用 {used} 次，共 {quota} 次。如需再用一次，請院長填寫原因後放行。</translation>
    </message>
    <message>
        <source>The {label} is too short: say in a few words why ({n} characters or more).</source>
        <translation>{label}太短：請用幾句話說明原因（至少 {n} 個字）。</translation>
    </message>
    <message>
        <source>The {label} should be an amount in cents (whole number).</source>
        <translation>{label}應為以分為單位的金額（整數）。</translation>
    </message>
    <message>
        <source>The {label} cannot be negative. Enter 0 or more (a refund is its own entry).</source>
        <translation>{label}不能為負數。請輸入 0 或以上的數（退款請另行登錄）。</translation>
    </message>
    <message>
        <source>The {label} should be more than 0.</source>
        <translation>{label}應大於 0。</translation>
    </message>
    <message>
        <source>The {label} is too large: at most {top}. Check the amount.</source>
        <translation>{label}過大：最多為 {top}。請核對金額。</translation>
    </message>
    <message>
        <source>Choose the tier&apos;s benefits.</source>
        <translation>請選擇該等級的權益。</translation>
    </message>
    <message>
        <source>A tier has at most {n} benefits.</source>
        <translation>一個等級最多 {n} 項權益。</translation>
    </message>
    <message>
        <source>&apos;{key}&apos; is not a benefit ClinicDesk knows. Choose one from the list, or add your own benefit with its name.</source>
        <translation>「{key}」不是 ClinicDesk 可識別的權益。請從清單中選擇，或填寫名稱新增自訂權益。</translation>
    </message>
    <message>
        <source>The benefit &apos;{key}&apos; is listed twice. Keep it once.</source>
        <translation>權益「{key}」重複列出，請只保留一項。</translation>
    </message>
    <message>
        <source>Say whether the benefit &apos;{key}&apos; is included or counted per period.</source>
        <translation>請說明權益「{key}」是包含在內，還是按期計算額度。</translation>
    </message>
    <message>
        <source>The allowance of &apos;{key}&apos; should be a whole number from 0 to {top} per period.</source>
        <translation>權益「{key}」的額度應為每期 0 至 {top} 之間的整數。</translation>
    </message>
    <message>
        <source>The allowance of &apos;{key}&apos; is counted per 1 to 10 months or years. Choose its period again.</source>
        <translation>權益「{key}」的額度以 1 至 10 個月或 1 至 10 年為一期。請重新選擇週期。</translation>
    </message>
    <message>
        <source>Enter the payment&apos;s details.</source>
        <translation>請填寫付款詳情。</translation>
    </message>
    <message>
        <source>Say whether this is a payment or a refund.</source>
        <translation>請選擇是收款還是退款。</translation>
    </message>
    <message>
        <source>The payment date {day} is in the future. Record a payment on the day it is made.</source>
        <translation>付款日期 {day} 在未來。請在實際付款當天登錄。</translation>
    </message>
    <message>
        <source>Choose how it was paid: cash, bank card, WeChat Pay, Alipay, bank transfer or other.</source>
        <translation>請選擇付款方式：現金、銀行卡、微信支付、支付寶、銀行轉帳或其他。</translation>
    </message>
    <message>
        <source>membership tier</source>
        <translation>會員等級</translation>
    </message>
    <message>
        <source>membership</source>
        <translation>會員</translation>
    </message>
    <message>
        <source>{name} is already a member ({tier}, card {card}, until {end}). Renew or change that membership instead.</source>
        <translation>{name} 已是會員（{tier}，卡號 {card}，有效期至 {end}）。請改為對該會員卡續費或變更等級。</translation>
    </message>
    <message>
        <source>{name} has died ({day}), so cannot be enrolled. Choose another person.</source>
        <translation>{name} 已過世（{day}），無法辦理會員。請選擇其他人。</translation>
    </message>
    <message>
        <source>Choose how the member is related to the payer: spouse, child, parent or other.</source>
        <translation>請選擇該成員與付款人的關係：配偶、子女、父母或其他。</translation>
    </message>
    <message>
        <source>This membership (card {card}) was cancelled, so it cannot be changed or renewed. Enrol the person again instead.</source>
        <translation>此會員（卡號 {card}）已註銷，無法變更或續費。請為其重新辦理會員。</translation>
    </message>
    <message>
        <source>The tier {tier} covers at most {n} people, and {m} were given. Remove someone, or choose a family tier.</source>
        <translation>「{tier}」等級最多 {n} 人，目前填了 {m} 人。請移除部分人員，或選擇家庭等級。</translation>
    </message>
    <message>
        <source>Fill in the tier&apos;s details.</source>
        <translation>請填寫等級詳情。</translation>
    </message>
    <message>
        <source>The code &apos;{code}&apos; may hold only Latin letters, digits and &apos;_&apos;, starting with a letter (for example gold_family).</source>
        <translation>代碼「{code}」只能包含英文字母、數字和「_」，並以英文字母開頭（例如 gold_family）。</translation>
    </message>
    <message>
        <source>A tier runs for 1 to 120 months or 1 to 10 years. Choose its period again.</source>
        <translation>等級的週期為 1 至 120 個月或 1 至 10 年。請重新選擇週期。</translation>
    </message>
    <message>
        <source>A tier covers 1 to {n} people (more than 1: a family tier).</source>
        <translation>一個等級涵蓋 1 至 {n} 人（超過 1 人即為家庭等級）。</translation>
    </message>
    <message>
        <source>Choose the colour again (like #C9A227).</source>
        <translation>請重新選擇顏色（如 #C9A227）。</translation>
    </message>
    <message>
        <source>Another tier already has the code &apos;{code}&apos;. Choose another code.</source>
        <translation>已有其他等級使用代碼「{code}」。請換一個代碼。</translation>
    </message>
    <message>
        <source>Another tier now has the code &apos;{code}&apos;. Change one of the codes first.</source>
        <translation>現在已有其他等級使用代碼「{code}」。請先修改其中一個代碼。</translation>
    </message>
    <message>
        <source>The tier {tier} is in use by {n} memberships, so it cannot be deleted. Retire it instead: no one new can join it, and its members keep it until their membership ends.</source>
        <translation>「{tier}」等級目前有 {n} 個會員使用，無法刪除。請改為停用：停用後不能再辦理該等級，現有會員可繼續使用至到期。</translation>
    </message>
    <message>
        <source>Fill in the enrolment&apos;s details.</source>
        <translation>請填寫辦理會員的詳情。</translation>
    </message>
    <message>
        <source>The start date {day} is more than a year ahead, or too long ago. Check the date.</source>
        <translation>開始日期 {day} 在一年以後，或已過去太久。請檢查日期。</translation>
    </message>
    <message>
        <source>A membership is bought for 1 to {n} periods at a time.</source>
        <translation>每次辦理可購買 1 至 {n} 期。</translation>
    </message>
    <message>
        <source>The tier {tier} is retired: no one new can join it. Choose another tier, or ask the director to offer it again.</source>
        <translation>「{tier}」等級已停用，不能再辦理。請選擇其他等級，或請院長重新啟用。</translation>
    </message>
    <message>
        <source>{name} is listed twice. Each person is a member once.</source>
        <translation>{name} 被列了兩次。每人只能列入一次。</translation>
    </message>
    <message>
        <source>A membership is renewed for 1 to {n} periods at a time.</source>
        <translation>每次可續費 1 至 {n} 期。</translation>
    </message>
    <message>
        <source>This membership ended on {end}. Renew it first, then change its tier.</source>
        <translation>此會員已於 {end} 到期。請先續費，再變更等級。</translation>
    </message>
    <message>
        <source>The membership is already in this tier. Choose a different tier.</source>
        <translation>該會員已是此等級。請選擇其他等級。</translation>
    </message>
    <message>
        <source>Only a running membership can be suspended; this one is {status}.</source>
        <translation>只有有效的會員才能暫停；此會員目前為「{status}」。</translation>
    </message>
    <message>
        <source>This membership is not suspended; nothing to resume.</source>
        <translation>此會員未暫停，無需恢復。</translation>
    </message>
    <message>
        <source>This membership is already cancelled.</source>
        <translation>此會員已註銷。</translation>
    </message>
    <message>
        <source>Choose the person to add.</source>
        <translation>請選擇要新增的人員。</translation>
    </message>
    <message>
        <source>This membership ended on {end}. Renew it first, then add people.</source>
        <translation>此會員已於 {end} 到期。請先續費，再新增人員。</translation>
    </message>
    <message>
        <source>{name} is already in this membership.</source>
        <translation>{name} 已是此會員的成員。</translation>
    </message>
    <message>
        <source>The payer cannot be removed from their own membership. Cancel the membership, or enrol the family again with another payer.</source>
        <translation>不能將付款人從其本人的會員中移除。請註銷該會員，或改由其他付款人為家庭重新辦理會員。</translation>
    </message>
    <message>
        <source>member</source>
        <translation>成員</translation>
    </message>
    <message>
        <source>A care team has at most 10 people.</source>
        <translation>健康管家團隊最多 10 人。</translation>
    </message>
    <message>
        <source>The tier {tier} has no care team. Change to a tier with a private health butler first.</source>
        <translation>「{tier}」等級沒有健康管家團隊。請先變更為含私人健康管家的等級。</translation>
    </message>
    <message>
        <source>Choose each care team member&apos;s role: doctor, nutritionist, trainer or other.</source>
        <translation>請為每位健康管家團隊成員選擇角色：醫師、營養師、健身教練或其他。</translation>
    </message>
    <message>
        <source>That staff member&apos;s account is disabled or gone. Choose someone else for the care team.</source>
        <translation>該員工的帳號已停用或不存在。請為健康管家團隊另選一人。</translation>
    </message>
    <message>
        <source>Give the name of a care team member from outside the clinic, or choose a staff member.</source>
        <translation>請填寫診所外健康管家團隊成員的姓名，或選擇一位員工。</translation>
    </message>
    <message>
        <source>The tier {tier} has no allowance of &apos;{benefit}&apos; to count. Book it as a normal appointment, or change the membership&apos;s tier.</source>
        <translation>「{tier}」等級沒有可計入的「{benefit}」額度。請以一般預約辦理，或變更該會員的等級。</translation>
    </message>
    <message>
        <source>The membership (card {card}) is {status} on {day}, so its benefits cannot be used then. Resume or renew it first.</source>
        <translation>會員（卡號 {card}）在 {day} 的狀態為「{status}」，當天不能使用權益。請先恢復或續費。</translation>
    </message>
    <message>
        <source>This patient is not a member of the membership (card {card}). Add them to it first, or choose the right membership.</source>
        <translation>該病患不是此會員（卡號 {card}）的成員。請先將其新增為成員，或選擇正確的會員。</translation>
    </message>
    <message>
        <source>benefit use</source>
        <translation>權益使用紀錄</translation>
    </message>
    <message>
        <source>This use was already given back. Refresh the list.</source>
        <translation>此次使用已撤銷。請重新整理清單。</translation>
    </message>
    <message>
        <source>Choose which memberships to show.</source>
        <translation>請選擇要顯示哪些會員。</translation>
    </message>
    <message>
        <source>Type a name, phone or card number.</source>
        <translation>請輸入姓名、電話或卡號。</translation>
    </message>
    <message>
        <source>Give the number of days ahead, 0 or more.</source>
        <translation>請輸入提前天數（0 或以上）。</translation>
    </message>
    <message>
        <source>The last day is before the first. Swap them.</source>
        <translation>結束日期早於開始日期。請將兩者對調。</translation>
    </message>
    <message>
        <source>This overdraft was already reviewed. Refresh the list.</source>
        <translation>此超額使用已查看過。請重新整理清單。</translation>
    </message>
</context>
<context>
    <name>EscalationNotice</name>
    <message>
        <source>Serious complaints</source>
        <translation>嚴重投訴</translation>
    </message>
    <message numerus="yes">
        <source>%n serious complaint(s) escalated to you</source>
        <translation>
            <numerusform>有 %n 件嚴重投訴上報給您</numerusform>
        </translation>
    </message>
    <message>
        <source>Open</source>
        <translation>開啟</translation>
    </message>
    <message>
        <source>Seen</source>
        <translation>已閱</translation>
    </message>
    <message>
        <source>You have read it: it leaves this notice</source>
        <translation>已閱：不再在此提醒</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>編號</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到時間</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>負責人</translation>
    </message>
    <message>
        <source>Gist</source>
        <translation>摘要</translation>
    </message>
</context>
<context>
    <name>ExceptionDialog</name>
    <message>
        <source>Day off or extra hours</source>
        <translation>休假或加診</translation>
    </message>
    <message>
        <source>For {name}. An absence that needs patients contacted is recorded on the absence screen instead.</source>
        <translation>{name}的排班異動。需要聯絡病患的停診，請改在停診頁面登記。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>異動類型</translation>
    </message>
    <message>
        <source>Day off</source>
        <translation>休假</translation>
    </message>
    <message>
        <source>Extra hours</source>
        <translation>加診</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>時段</translation>
    </message>
    <message>
        <source>Whole day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>from, e.g. 08:00</source>
        <translation>開始，例如 08:00</translation>
    </message>
    <message>
        <source>to, e.g. 12:00</source>
        <translation>結束，例如 12:00</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>Features</name>
    <message>
        <source>Reception</source>
        <translation>櫃檯</translation>
    </message>
    <message>
        <source>Calendar</source>
        <translation>行事曆</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>回訪</translation>
    </message>
    <message>
        <source>Complaints &amp; quality</source>
        <translation>投訴與品質</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>會員</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>My queue</source>
        <translation>我的候診名單</translation>
    </message>
</context>
<context>
    <name>FieldsDialog</name>
    <message>
        <source>e.g. 2024-05-01</source>
        <translation>例如 2024-05-01</translation>
    </message>
    <message>
        <source>This is not a date: type it as year-month-day, e.g. 2024-05-01.</source>
        <translation>這不是有效的日期：請以「年-月-日」格式輸入，例如 2024-05-01。</translation>
    </message>
</context>
<context>
    <name>FinishDialog</name>
    <message>
        <source>Choose the kind of visit…</source>
        <extracomment>queue statuses each button acts on (the service checks again and says why not)</extracomment>
        <translation>請選擇就診類型…</translation>
    </message>
    <message>
        <source>Finish the consultation</source>
        <translation>結束看診</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>就診類型</translation>
    </message>
    <message>
        <source>No. {number} · {patient}</source>
        <translation>{number} 號 · {patient}</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>結束看診</translation>
    </message>
    <message>
        <source>Choose the kind of visit: the follow-up plan depends on it.</source>
        <translation>請選擇就診類型：回訪計畫取決於此。</translation>
    </message>
</context>
<context>
    <name>Followup</name>
    <message>
        <source>Phone call</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Text message</source>
        <translation>簡訊</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>電子郵件</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>信件</translation>
    </message>
    <message>
        <source>Home visit</source>
        <translation>到府訪視</translation>
    </message>
    <message>
        <source>Attending doctor</source>
        <translation>主治醫師</translation>
    </message>
    <message>
        <source>Nurse</source>
        <translation>護理師</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>客服</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>健康管理師</translation>
    </message>
    <message>
        <source>Follow-up after a visit</source>
        <translation>看診後回訪</translation>
    </message>
    <message>
        <source>Confirm tomorrow&apos;s appointment</source>
        <translation>確認明日預約</translation>
    </message>
    <message>
        <source>Missed appointment</source>
        <translation>爽約回訪</translation>
    </message>
    <message>
        <source>Added by hand</source>
        <translation>手動新增</translation>
    </message>
    <message>
        <source>Satisfaction survey</source>
        <translation>滿意度調查</translation>
    </message>
    <message>
        <source>Membership renewal</source>
        <translation>會員續費</translation>
    </message>
    <message>
        <source>Annual health plan check-in</source>
        <translation>年度健康計畫回訪</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>已聯繫上</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>無人接聽</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>號碼錯誤</translation>
    </message>
    <message>
        <source>Refused to talk</source>
        <translation>拒絕溝通</translation>
    </message>
    <message>
        <source>Recovered</source>
        <translation>已痊癒</translation>
    </message>
    <message>
        <source>Improving</source>
        <translation>好轉</translation>
    </message>
    <message>
        <source>Unchanged</source>
        <translation>無變化</translation>
    </message>
    <message>
        <source>Worse</source>
        <translation>惡化</translation>
    </message>
    <message>
        <source>Takes it as prescribed</source>
        <translation>遵醫囑服藥</translation>
    </message>
    <message>
        <source>Sometimes misses a dose</source>
        <translation>偶有漏服</translation>
    </message>
    <message>
        <source>Stopped taking it</source>
        <translation>已停藥</translation>
    </message>
    <message>
        <source>No medication</source>
        <translation>無用藥</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>滿意</translation>
    </message>
    <message>
        <source>Acceptable</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>不滿意</translation>
    </message>
</context>
<context>
    <name>FollowupClose</name>
    <message>
        <source>The patient died</source>
        <translation>病患已死亡</translation>
    </message>
    <message>
        <source>The patient asked not to be contacted</source>
        <translation>病患要求不再聯繫</translation>
    </message>
    <message>
        <source>The visit&apos;s category was changed</source>
        <translation>看診類別已變更</translation>
    </message>
    <message>
        <source>No longer needed</source>
        <translation>已無需回訪</translation>
    </message>
    <message>
        <source>The appointment was cancelled, moved or confirmed</source>
        <translation>預約已取消、改期或已確認</translation>
    </message>
    <message>
        <source>Not reached after several tries</source>
        <translation>多次聯繫未果</translation>
    </message>
    <message>
        <source>No working contact (wrong number)</source>
        <translation>無有效聯絡方式（號碼錯誤）</translation>
    </message>
    <message>
        <source>Duplicate of another task</source>
        <translation>與其他任務重複</translation>
    </message>
    <message>
        <source>The membership was renewed</source>
        <translation>會員已續費</translation>
    </message>
</context>
<context>
    <name>FollowupPlansTab</name>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>checks</source>
        <translation>核查</translation>
    </message>
    <message>
        <source>This call also asks whether the earlier levels&apos; calls happened.</source>
        <translation>此次回訪還需核實前幾級回訪是否已完成。</translation>
    </message>
    <message>
        <source>After (days)</source>
        <translation>就診後（天）</translation>
    </message>
    <message>
        <source>Within (days)</source>
        <translation>期限（天）</translation>
    </message>
    <message>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>回訪人</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>級別</translation>
    </message>
    <message>
        <source>Earlier levels</source>
        <translation>前級核查</translation>
    </message>
    <message>
        <source>Days after the visit finished when the call is due (0: the same day).</source>
        <translation>就診結束後第幾天應回訪（0 表示當天）。</translation>
    </message>
    <message>
        <source>How many days the caller has from then; a closed day moves the deadline.</source>
        <translation>自該日起可用於回訪的天數；截止日遇休診日依規則順延或提前。</translation>
    </message>
    <message>
        <source>Levels 1-3 of the chronic discharge plan; “—” for other plans.</source>
        <translation>慢性病出院三級回訪的第 1-3 級；其他方案為「—」。</translation>
    </message>
    <message>
        <source>Make follow-ups for this kind of visit</source>
        <translation>此類就診產生回訪任務</translation>
    </message>
    <message>
        <source>Add a step</source>
        <translation>新增一步</translation>
    </message>
    <message>
        <source>Remove the step</source>
        <translation>刪除此步</translation>
    </message>
    <message>
        <source>Random sample each month</source>
        <translation>每月隨機抽樣比例</translation>
    </message>
    <message>
        <source>A changed plan applies to visits finished from now on. Follow-ups already on the list keep their dates.</source>
        <translation>修改後的方案適用於今後結束的就診；已在回訪清單上的任務維持原日期不變。</translation>
    </message>
    <message>
        <source>Only a supervisor (the director or a health manager) can change the plans.</source>
        <translation>只有主管（院長或健康管理師）可以修改回訪方案。</translation>
    </message>
    <message>
        <source>Restore the default…</source>
        <translation>還原預設…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>儲存</translation>
    </message>
    <message>
        <source>{category} (changed)</source>
        <translation>{category}（已修改）</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>尚未儲存的變更</translation>
    </message>
    <message>
        <source>The changes to the plan for “{category}” are not saved. Discard them?</source>
        <translation>「{category}」回訪方案的變更尚未儲存。要放棄這些變更嗎？</translation>
    </message>
    <message>
        <source>Changed here, not saved yet.</source>
        <translation>已在此修改，尚未儲存。</translation>
    </message>
    <message>
        <source>The shipped default plan.</source>
        <translation>系統內建的預設方案。</translation>
    </message>
    <message>
        <source>Changed by the clinic.</source>
        <translation>已由本診所修改。</translation>
    </message>
    <message>
        <source>Visits of this kind get a call only if drawn in the sample: this share of them, chosen at random.</source>
        <translation>此類就診僅在被抽中時才回訪：依此比例隨機抽取。</translation>
    </message>
    <message>
        <source>Saved. Visits finished from now on follow this plan; follow-ups already on the list keep their dates.</source>
        <translation>已儲存。今後結束的就診將依此方案回訪；已在清單上的回訪維持原日期。</translation>
    </message>
    <message>
        <source>Restore the default plan</source>
        <translation>還原預設方案</translation>
    </message>
    <message>
        <source>Replace the plan for “{category}” with the one ClinicDesk ships? Follow-ups already on the list keep their dates.</source>
        <translation>要用系統內建的方案取代「{category}」的回訪方案嗎？已在清單上的回訪維持原日期。</translation>
    </message>
    <message>
        <source>The default plan is back.</source>
        <translation>已還原預設方案。</translation>
    </message>
</context>
<context>
    <name>Followups</name>
    <message>
        <source>Open</source>
        <translation>待處理</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已關閉</translation>
    </message>
    <message>
        <source>Confirm the appointment at {time}</source>
        <translation>確認 {time} 的預約</translation>
    </message>
    <message>
        <source>Missed the appointment at {time}</source>
        <translation>爽約：{time} 的預約</translation>
    </message>
    <message>
        <source>{plan}, level {level}</source>
        <translation>{plan}，第 {level} 級回訪</translation>
    </message>
    <message>
        <source>%n day(s) overdue</source>
        <translation>已逾期 %n 天</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>By {day}</source>
        <translation>{day} 前</translation>
    </message>
    <message>
        <source>{role} (anyone)</source>
        <translation>{role}（任一人）</translation>
    </message>
    <message>
        <source>try again after {time}</source>
        <translation>{time} 後再撥</translation>
    </message>
</context>
<context>
    <name>FollowupsPage</name>
    <message>
        <source>Today&apos;s calls</source>
        <translation>今日回訪</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>訊息</translation>
    </message>
    <message>
        <source>Spot checks</source>
        <translation>抽查</translation>
    </message>
    <message>
        <source>Follow-up rates</source>
        <translation>回訪率</translation>
    </message>
    <message>
        <source>Forwarded suggestions</source>
        <translation>轉知建議</translation>
    </message>
    <message>
        <source>Health reminders…</source>
        <translation>健康提醒…</translation>
    </message>
    <message>
        <source>Seasonal advice or condition tips to a group of patients, by message</source>
        <translation>透過訊息向一組病患傳送季節性建議或病情提示</translation>
    </message>
</context>
<context>
    <name>ForwardsPanel</name>
    <message>
        <source>&amp;Show</source>
        <translation>顯示(&amp;S)</translation>
    </message>
    <message>
        <source>Waiting for an answer</source>
        <translation>待回覆</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已回覆</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Answer…</source>
        <translation>回覆…</translation>
    </message>
    <message>
        <source>Suggestions heard on follow-up calls and forwarded to a department (抄告). Each stays here until the department&apos;s answer is recorded.</source>
        <translation>回訪中收集並轉知（抄告）相關科室的建議。每則建議會一直留在此處，直到登錄科室的回覆為止。</translation>
    </message>
    <message>
        <source>Forwarded</source>
        <translation>轉知日期</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科別</translation>
    </message>
    <message>
        <source>Suggestion</source>
        <translation>建議</translation>
    </message>
    <message>
        <source>By</source>
        <translation>轉知人</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>回覆</translation>
    </message>
    <message>
        <source>{answer} ({who}, {day})</source>
        <translation>{answer}（{who}，{day}）</translation>
    </message>
    <message>
        <source>Nothing here.</source>
        <translation>目前沒有資料。</translation>
    </message>
    <message>
        <source>The department&apos;s answer</source>
        <translation>科別回覆</translation>
    </message>
    <message>
        <source>{department}, about {patient}: {text}</source>
        <translation>{department}，關於{patient}：{text}</translation>
    </message>
</context>
<context>
    <name>GreenChannelDialog</name>
    <message>
        <source>Green channel</source>
        <translation>綠色通道</translation>
    </message>
    <message>
        <source>the doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>✚ Green channel for No. {no}</source>
        <translation>✚ {no} 號綠色通道</translation>
    </message>
    <message>
        <source>An emergency: the patient goes first in {doctor}&apos;s queue, before everyone waiting.</source>
        <translation>緊急狀況：病患在{doctor}的候診名單中排第一位，優先於所有候診病患。</translation>
    </message>
    <message>
        <source>Reason (required), e.g. chest pain, high fever in a baby</source>
        <translation>原因（必填），例如：胸痛、嬰兒高燒</translation>
    </message>
    <message>
        <source>Everyone sees the mark and the reason on the board and in the doctor&apos;s queue, and it is recorded in the audit log with your name and the time.</source>
        <translation>所有人都會在看板和醫師的候診名單中看到此標記及原因，並且會連同您的姓名和時間記入稽核紀錄。</translation>
    </message>
    <message>
        <source>Write the reason for the green channel; the doctor reads it first.</source>
        <translation>請填寫走綠色通道的原因；醫師會最先看到。</translation>
    </message>
    <message>
        <source>The reason is too long: keep it under {n} characters.</source>
        <translation>原因太長：請控制在 {n} 個字元以內。</translation>
    </message>
</context>
<context>
    <name>GroupForm</name>
    <message>
        <source>Restore defaults</source>
        <translation>還原預設值</translation>
    </message>
    <message>
        <source>Fill in the standard values for this group. Nothing changes until you press Save. The clinic&apos;s name, address and phone are kept.</source>
        <translation>為本組填入標準值。按「儲存」之前不會有任何變更。診所名稱、地址和電話保持不變。</translation>
    </message>
</context>
<context>
    <name>Import</name>
    <message>
        <source>Full name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>姓</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Second phone</source>
        <translation>備用電話</translation>
    </message>
    <message>
        <source>ID document type</source>
        <translation>證件類型</translation>
    </message>
    <message>
        <source>ID document number</source>
        <translation>證件號碼</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Occupation</source>
        <translation>職業</translation>
    </message>
    <message>
        <source>Title or position</source>
        <translation>職稱或頭銜</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>電子郵件</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>Preferred contact</source>
        <translation>偏好聯絡方式</translation>
    </message>
    <message>
        <source>How they came</source>
        <translation>來源管道</translation>
    </message>
    <message>
        <source>Special needs</source>
        <translation>特殊需求</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>緊急聯絡人</translation>
    </message>
    <message>
        <source>Emergency contact relation</source>
        <translation>緊急聯絡人關係</translation>
    </message>
    <message>
        <source>Emergency contact phone</source>
        <translation>緊急聯絡人電話</translation>
    </message>
    <message>
        <source>Desk notes</source>
        <translation>櫃檯備註</translation>
    </message>
    <message>
        <source>How to address</source>
        <translation>稱呼</translation>
    </message>
    <message>
        <source>Do not import</source>
        <translation>不匯入</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>欄</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>ImportPatientsDialog</name>
    <message>
        <source>Import patients</source>
        <translation>匯入病患</translation>
    </message>
    <message>
        <source>Import patients from an Excel or CSV list</source>
        <translation>從 Excel 或 CSV 名單匯入病患</translation>
    </message>
    <message>
        <source>Choose the file, check which column holds what, then check the rows before importing. Rows already registered are skipped, so importing the same file again adds nobody twice.</source>
        <translation>請選擇檔案，核對每一欄對應的內容，然後在匯入前檢查各列資料。已登記的列會被略過，因此重複匯入同一個檔案不會重複新增任何人。</translation>
    </message>
    <message>
        <source>No file chosen</source>
        <translation>未選擇檔案</translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation>選擇檔案…</translation>
    </message>
    <message>
        <source>The sheet of the workbook to import</source>
        <translation>要匯入的工作表</translation>
    </message>
    <message>
        <source>Columns in the file and what they are imported as:</source>
        <translation>檔案中的欄位及其匯入方式：</translation>
    </message>
    <message>
        <source>Column in the file</source>
        <translation>檔案中的欄位</translation>
    </message>
    <message>
        <source>First rows</source>
        <translation>前幾列內容</translation>
    </message>
    <message>
        <source>Imported as</source>
        <translation>匯入為</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>欄</translation>
    </message>
    <message>
        <source>Why it was not imported</source>
        <translation>未匯入的原因</translation>
    </message>
    <message>
        <source>Check without saving</source>
        <translation>僅檢查，不儲存</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>匯入</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save report…</source>
        <translation>儲存報告…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>關閉</translation>
    </message>
    <message>
        <source>Cancelled before anything was saved.</source>
        <translation>已取消，未儲存任何內容。</translation>
    </message>
    <message>
        <source>Choose the patient list</source>
        <translation>選擇病患名單</translation>
    </message>
    <message>
        <source>Excel or CSV (*.xlsx *.xlsm *.csv *.txt);;All files (*)</source>
        <translation>Excel 或 CSV (*.xlsx *.xlsm *.csv *.txt);;所有檔案 (*)</translation>
    </message>
    <message>
        <source>Excel workbook, sheet {sheet}; header in row {row}; {n} rows.</source>
        <translation>Excel 活頁簿，工作表 {sheet}；標題列在第 {row} 列；共 {n} 列。</translation>
    </message>
    <message>
        <source>CSV text ({encoding}); header in row {row}; {n} rows.</source>
        <translation>CSV 文字檔（{encoding}）；標題列在第 {row} 列；共 {n} 列。</translation>
    </message>
    <message>
        <source>Checking the rows…</source>
        <translation>正在檢查各列…</translation>
    </message>
    <message>
        <source>Importing the patients…</source>
        <translation>正在匯入病患…</translation>
    </message>
    <message>
        <source>Checked {rows} rows without saving: {imported} would be imported, {present} are already registered, {rejected} have a problem.</source>
        <translation>已檢查 {rows} 列（未儲存）：{imported} 列可匯入，{present} 列已登記，{rejected} 列有問題。</translation>
    </message>
    <message>
        <source>{rows} rows: {imported} imported, {present} already registered, {rejected} not imported because of a problem.</source>
        <translation>共 {rows} 列：已匯入 {imported} 列，{present} 列已登記，{rejected} 列因有問題未匯入。</translation>
    </message>
    <message>
        <source>Cancelled: the {n} patients imported before stay; import the same file again to add the rest.</source>
        <translation>已取消：之前已匯入的 {n} 位病患會保留；再次匯入同一檔案即可新增其餘病患。</translation>
    </message>
    <message>
        <source>The {n} patients imported before the problem stay; import the same file again to add the rest.</source>
        <translation>發生問題之前已匯入的 {n} 位病患會保留；再次匯入同一檔案即可新增其餘病患。</translation>
    </message>
    <message>
        <source>The first {n} problems are shown; the saved report lists them all.</source>
        <translation>此處僅顯示前 {n} 個問題；儲存的報告中列出了全部問題。</translation>
    </message>
    <message>
        <source>problems</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>Save the report</source>
        <translation>儲存報告</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Report saved to {path}.</source>
        <translation>報告已儲存到 {path}。</translation>
    </message>
</context>
<context>
    <name>IncomingReferralsPanel</name>
    <message>
        <source>Incoming referrals ({n})</source>
        <translation>轉入轉診（{n}）</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>緊急程度</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation>轉診來源</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>轉診時間</translation>
    </message>
</context>
<context>
    <name>IntakeDialog</name>
    <message>
        <source>Record a complaint</source>
        <extracomment>the complaint was recorded: its id (the list opens it)</extracomment>
        <translation>登記投訴</translation>
    </message>
    <message>
        <source>Write down what the person says, in their words. You receive it, so you own it until it is closed or handed over; its deadlines start from the time received.</source>
        <translation>按對方的原話記錄。您接待，您就是負責人，直至結案或移交；各項時限從收到時起算。</translation>
    </message>
    <message>
        <source>How it came</source>
        <translation>投訴來源</translation>
    </message>
    <message>
        <source>Complainant</source>
        <translation>投訴人</translation>
    </message>
    <message>
        <source>Name as given</source>
        <translation>對方提供的姓名</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>聯絡方式</translation>
    </message>
    <message>
        <source>Phone, e-mail or WeChat, as given</source>
        <translation>電話、電郵或微信，按對方提供的填寫</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Patient (optional)</source>
        <translation>患者（可不填）</translation>
    </message>
    <message>
        <source>Find the patient: name, phone digits…</source>
        <translation>查找患者：姓名、電話號碼…</translation>
    </message>
    <message>
        <source>Not a patient</source>
        <translation>不是患者</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Staff concerned</source>
        <translation>涉及員工</translation>
    </message>
    <message>
        <source>As the complainant put it</source>
        <translation>按投訴人的說法</translation>
    </message>
    <message>
        <source>(not one of our staff by name)</source>
        <translation>（未指明哪位員工）</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>嚴重程度</translation>
    </message>
    <message>
        <source>Complexity</source>
        <translation>複雜程度</translation>
    </message>
    <message>
        <source>A complex dispute has 20 days for the answer instead of one</source>
        <translation>複雜糾紛的答覆時限為 20 天，而不是 1 天</translation>
    </message>
    <message>
        <source>Received at</source>
        <translation>收到時間</translation>
    </message>
    <message>
        <source>Now, or earlier for a letter that arrived before it was opened</source>
        <translation>現在；信件早於拆閱時送到的，填送到時間</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>投訴內容</translation>
    </message>
    <message>
        <source>A serious complaint goes to the director at once, when you save it.</source>
        <translation>嚴重投訴在儲存時立即上報院長。</translation>
    </message>
    <message>
        <source>Serious: harm to a patient, a safety risk or a threat to go public.</source>
        <translation>嚴重：患者受到傷害、存在安全風險或揚言投訴到外部。</translation>
    </message>
</context>
<context>
    <name>JoinPage</name>
    <message>
        <source>Join a clinic that already syncs</source>
        <translation>加入已啟用同步的診所</translation>
    </message>
    <message>
        <source>On a computer that already syncs, the director opens Settings → Sync → Add a workstation, which shows a pairing code and a QR code. Type the hub address and the code here, or scan the QR code into the code field. The director then signs in here once to confirm.</source>
        <translation>請院長在一台已啟用同步的電腦上開啟「設定 → 同步 → 新增工作站」，螢幕上會顯示配對碼和 QR Code。請在此輸入同步伺服器位址和配對碼，或將 QR Code 掃描到配對碼欄位中。隨後院長需在此登入一次以確認。</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>同步伺服器位址</translation>
    </message>
    <message>
        <source>Pairing code</source>
        <translation>配對碼</translation>
    </message>
    <message>
        <source>e.g. 7KQ2M-XW4PD-9RTZB-H3N6C</source>
        <translation>例如 7KQ2M-XW4PD-9RTZB-H3N6C</translation>
    </message>
    <message>
        <source>Director&apos;s user name</source>
        <translation>院長的使用者名稱</translation>
    </message>
    <message>
        <source>Director&apos;s password</source>
        <translation>院長的密碼</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{clinic} — ClinicDesk</source>
        <translation>{clinic} — ClinicDesk 診所管理系統</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>檔案(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>前往(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>說明(&amp;H)</translation>
    </message>
    <message>
        <source>Find a patient…</source>
        <translation>搜尋病患…</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>鎖定螢幕</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>登出</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>結束程式</translation>
    </message>
    <message>
        <source>About ClinicDesk</source>
        <translation>關於 ClinicDesk</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Find a patient: name, pinyin, phone digits, ID (Ctrl+K / F2)</source>
        <translation>搜尋病患：姓名、拼音、電話號碼、證件號碼（Ctrl+K / F2）</translation>
    </message>
    <message>
        <source>That screen is not open to your role; ask a colleague who uses it.</source>
        <translation>您的角色無法開啟該頁面；請找使用該頁面的同事協助。</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>未登入</translation>
    </message>
    <message>
        <source>{name} ({role}) · {workstation}</source>
        <translation>{name}（{role}）· 工作站：{workstation}</translation>
    </message>
    <message>
        <source>ClinicDesk {version}
An offline-first desktop program for small private clinics.</source>
        <translation>ClinicDesk {version}
專為小型私人診所設計、以離線為優先的桌面軟體。</translation>
    </message>
</context>
<context>
    <name>MedicationCardDialog</name>
    <message>
        <source>Print medication card</source>
        <translation>列印用藥提醒卡</translation>
    </message>
    <message>
        <source>Large print (大字版)</source>
        <translation>大字版</translation>
    </message>
    <message>
        <source>Chinese and English</source>
        <translation>中英文對照</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <source>Suggested: the patient is {age}; large print from age {n}.</source>
        <translation>建議使用大字版：病患 {age} 歲，{n} 歲起建議使用大字版。</translation>
    </message>
    <message>
        <source>Large print is suggested from age {n} (Settings, Printing).</source>
        <translation>{n} 歲起建議使用大字版（見「設定 → 列印」）。</translation>
    </message>
    <message>
        <source>A6 card</source>
        <translation>A6 卡片</translation>
    </message>
    <message>
        <source>A5</source>
        <translation>A5</translation>
    </message>
    <message>
        <source>A4</source>
        <translation>A4</translation>
    </message>
    <message>
        <source>Label ({stock})</source>
        <translation>標籤（{stock}）</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>預覽…</translation>
    </message>
</context>
<context>
    <name>MedicationSource</name>
    <message>
        <source>Told by the patient</source>
        <translation>病患自述</translation>
    </message>
    <message>
        <source>Prescribed here</source>
        <translation>本診所開立</translation>
    </message>
    <message>
        <source>Prescribed by a hospital</source>
        <translation>醫院開立</translation>
    </message>
    <message>
        <source>Prescribed by another clinic</source>
        <translation>其他診所開立</translation>
    </message>
</context>
<context>
    <name>MembersPanel</name>
    <message>
        <source>Search: name, phone, card number or record number…</source>
        <extracomment>a tier list was loaded (the page&apos;s other tabs may use it)</extracomment>
        <translation>搜尋：姓名、電話、卡號或病歷號…</translation>
    </message>
    <message>
        <source>Current (active, suspended, not begun)</source>
        <translation>目前（有效、已暫停、未生效）</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>已暫停</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已過期</translation>
    </message>
    <message>
        <source>Not begun yet</source>
        <translation>未生效</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已註銷</translation>
    </message>
    <message>
        <source>All memberships</source>
        <translation>全部會員</translation>
    </message>
    <message>
        <source>Enrol…</source>
        <translation>辦理會員…</translation>
    </message>
    <message>
        <source>Enrol a patient or a family in a tier (Ctrl+N)</source>
        <translation>為病患或家庭辦理會員（Ctrl+N）</translation>
    </message>
    <message>
        <source>Renew…</source>
        <translation>續費…</translation>
    </message>
    <message>
        <source>Change tier…</source>
        <translation>變更等級…</translation>
    </message>
    <message>
        <source>Record payment…</source>
        <translation>登錄收款…</translation>
    </message>
    <message>
        <source>Record use…</source>
        <translation>登錄使用…</translation>
    </message>
    <message>
        <source>Undo use…</source>
        <translation>撤銷使用…</translation>
    </message>
    <message>
        <source>Add member…</source>
        <translation>新增成員…</translation>
    </message>
    <message>
        <source>Remove member…</source>
        <translation>移除成員…</translation>
    </message>
    <message>
        <source>Care team…</source>
        <translation>健康管家…</translation>
    </message>
    <message>
        <source>Suspend…</source>
        <translation>暫停…</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢復</translation>
    </message>
    <message>
        <source>Cancel membership…</source>
        <translation>註銷會員…</translation>
    </message>
    <message>
        <source>Print card…</source>
        <translation>列印會員卡…</translation>
    </message>
    <message>
        <source>The selected member&apos;s card, or every member&apos;s when no one is selected</source>
        <translation>列印所選成員的會員卡；未選擇成員時列印全部成員的會員卡</translation>
    </message>
    <message>
        <source>For the member selected in the list below</source>
        <translation>為下方清單中所選的成員登錄</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>卡號</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等級</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>付款人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人數</translation>
    </message>
    <message>
        <source>Ends on</source>
        <translation>到期日</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Days left</source>
        <translation>剩餘天數</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>成員</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病歷號</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>關係</translation>
    </message>
    <message>
        <source>Joined</source>
        <translation>加入日期</translation>
    </message>
    <message>
        <source>Allowances this period</source>
        <translation>本期額度</translation>
    </message>
    <message>
        <source>Care team</source>
        <translation>健康管家團隊</translation>
    </message>
    <message>
        <source>History</source>
        <translation>歷史紀錄</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>收付款</translation>
    </message>
    <message>
        <source>Benefit uses</source>
        <translation>權益使用</translation>
    </message>
    <message>
        <source>When</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事項</translation>
    </message>
    <message>
        <source>By</source>
        <translation>經辦人</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>詳情</translation>
    </message>
    <message>
        <source>Paid on</source>
        <translation>付款日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>類型</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金額</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>收據號碼</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>權益</translation>
    </message>
    <message>
        <source>For</source>
        <translation>使用人</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>次數</translation>
    </message>
    <message>
        <source>All tiers</source>
        <translation>全部等級</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>載入中…</translation>
    </message>
    <message>
        <source>No membership matches.</source>
        <translation>沒有符合條件的會員。</translation>
    </message>
    <message numerus="yes">
        <source>%n membership(s)</source>
        <translation>
            <numerusform>%n 個會員</numerusform>
        </translation>
    </message>
    <message>
        <source>No membership chosen</source>
        <translation>未選擇會員</translation>
    </message>
    <message>
        <source>Choose a membership on the left, or enrol someone new with Enrol….</source>
        <translation>請在左側選擇會員，或按「辦理會員…」辦理新會員。</translation>
    </message>
    <message>
        <source>Term</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>Suspended since</source>
        <translation>暫停開始日</translation>
    </message>
    <message>
        <source>due soon</source>
        <translation>即將到期</translation>
    </message>
    <message>
        <source>Renewal</source>
        <translation>續費</translation>
    </message>
    <message>
        <source>This tier counts no allowance.</source>
        <translation>此等級不設額度。</translation>
    </message>
    <message>
        <source>Nobody named yet: use Care team….</source>
        <translation>尚未指定，請按「健康管家…」。</translation>
    </message>
    <message>
        <source>Allowed by the director: {reason}</source>
        <translation>院長特批：{reason}</translation>
    </message>
    <message>
        <source>Renewed. The membership had lapsed, so the new term starts today: {first} to {last}.</source>
        <translation>已續費。該會員已過期，新有效期從今天開始：{first} 至 {last}。</translation>
    </message>
    <message>
        <source>Renewed: the membership now runs to {last}.</source>
        <translation>已續費：會員有效期延至 {last}。</translation>
    </message>
    <message>
        <source>Enrolled. Card number {card}, valid {first} to {last}.</source>
        <translation>已辦理。會員卡號 {card}，有效期 {first} 至 {last}。</translation>
    </message>
    <message>
        <source>Recorded. {allowance}</source>
        <translation>已登錄。{allowance}</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已儲存。</translation>
    </message>
    <message>
        <source>Resumed. The membership now ends on {last}.</source>
        <translation>已恢復。會員到期日順延至 {last}。</translation>
    </message>
</context>
<context>
    <name>Membership</name>
    <message>
        <source>Priority booking and held slots</source>
        <translation>優先預約及會員保留時段</translation>
    </message>
    <message>
        <source>Health record management</source>
        <translation>健康檔案管理</translation>
    </message>
    <message>
        <source>Annual health plan</source>
        <translation>年度健康計畫</translation>
    </message>
    <message>
        <source>Family-doctor home visits</source>
        <translation>家庭醫師到府服務</translation>
    </message>
    <message>
        <source>Referral help to top hospitals</source>
        <translation>醫學中心轉診協助</translation>
    </message>
    <message>
        <source>Private health butler: a named care team</source>
        <translation>私人健康管家：專屬健康管家團隊</translation>
    </message>
    <message>
        <source>included</source>
        <translation>包含</translation>
    </message>
    <message>
        <source>so many per period</source>
        <translation>每期額度</translation>
    </message>
    <message>
        <source>active</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>suspended</source>
        <translation>已暫停</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已註銷</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已過期</translation>
    </message>
    <message>
        <source>not begun yet</source>
        <translation>未生效</translation>
    </message>
    <message>
        <source>cash</source>
        <translation>現金</translation>
    </message>
    <message>
        <source>bank card</source>
        <translation>銀行卡</translation>
    </message>
    <message>
        <source>WeChat Pay</source>
        <translation>微信支付</translation>
    </message>
    <message>
        <source>Alipay</source>
        <translation>支付寶</translation>
    </message>
    <message>
        <source>bank transfer</source>
        <translation>銀行轉帳</translation>
    </message>
    <message>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>payment</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>self</source>
        <translation>本人</translation>
    </message>
    <message>
        <source>spouse</source>
        <translation>配偶</translation>
    </message>
    <message>
        <source>child</source>
        <translation>子女</translation>
    </message>
    <message>
        <source>parent</source>
        <translation>父母</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>nutritionist</source>
        <translation>營養師</translation>
    </message>
    <message>
        <source>trainer</source>
        <translation>健身教練</translation>
    </message>
    <message>
        <source>enrolled</source>
        <translation>辦理會員</translation>
    </message>
    <message>
        <source>renewed</source>
        <translation>續費</translation>
    </message>
    <message>
        <source>upgraded</source>
        <translation>升級</translation>
    </message>
    <message>
        <source>downgraded</source>
        <translation>降級</translation>
    </message>
    <message>
        <source>tier changed</source>
        <translation>變更等級</translation>
    </message>
    <message>
        <source>resumed</source>
        <translation>恢復</translation>
    </message>
    <message>
        <source>member added</source>
        <translation>新增成員</translation>
    </message>
    <message>
        <source>member removed</source>
        <translation>移除成員</translation>
    </message>
    <message>
        <source>payment recorded</source>
        <translation>登錄收款</translation>
    </message>
    <message>
        <source>refund recorded</source>
        <translation>登錄退款</translation>
    </message>
    <message>
        <source>care team changed</source>
        <translation>變更健康管家團隊</translation>
    </message>
    <message>
        <source>benefit used</source>
        <translation>使用權益</translation>
    </message>
    <message>
        <source>benefit use undone</source>
        <translation>撤銷權益使用</translation>
    </message>
    <message>
        <source>allowance overridden</source>
        <translation>特批超額</translation>
    </message>
    <message>
        <source>overdraft reviewed</source>
        <translation>已查看超額使用</translation>
    </message>
    <message>
        <source>note</source>
        <translation>備註</translation>
    </message>
</context>
<context>
    <name>MembershipCardDialog</name>
    <message>
        <source>Print membership card</source>
        <translation>列印會員卡</translation>
    </message>
    <message>
        <source>Where will the card be printed?</source>
        <translation>會員卡要用什麼列印？</translation>
    </message>
    <message>
        <source>On a card printer (85.6 × 54 mm cards, the front then the back)</source>
        <translation>用卡片印表機（85.6 × 54 公釐卡片，先印正面再印背面）</translation>
    </message>
    <message>
        <source>On A4 paper, to cut out (the front and back side by side)</source>
        <translation>用 A4 紙列印後剪下（正面和背面並排）</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>預覽…</translation>
    </message>
</context>
<context>
    <name>MembershipPage</name>
    <message>
        <source>Type an amount in yuan, for example 3980 or 3980.50 (two decimals at most).</source>
        <translation>請輸入以元為單位的金額，例如 3980 或 3980.50（最多兩位小數）。</translation>
    </message>
    <message>
        <source>%n month(s)</source>
        <translation>%n 個月</translation>
    </message>
    <message>
        <source>%n year(s)</source>
        <translation>%n 年</translation>
    </message>
    <message>
        <source>month(s)</source>
        <translation>個月</translation>
    </message>
    <message>
        <source>year(s)</source>
        <translation>年</translation>
    </message>
    <message>
        <source>%n a month</source>
        <translation>每月 %n 次</translation>
    </message>
    <message>
        <source>{n} every {months} months</source>
        <translation>每 {months} 個月 {n} 次</translation>
    </message>
    <message>
        <source>%n a year</source>
        <translation>每年 %n 次</translation>
    </message>
    <message>
        <source>{n} every {years} years</source>
        <translation>每 {years} 年 {n} 次</translation>
    </message>
    <message>
        <source>{benefit}: {every}</source>
        <translation>{benefit}：{every}</translation>
    </message>
    <message>
        <source>{benefit}: {used} of {quota} used, {span}</source>
        <translation>{benefit}：已用 {used}/{quota} 次，{span}</translation>
    </message>
    <message>
        <source>ended %n day(s) ago</source>
        <translation>已過期 %n 天</translation>
    </message>
    <message>
        <source>%n day(s)</source>
        <translation>%n 天</translation>
    </message>
    <message>
        <source>1 person</source>
        <translation>1 人</translation>
    </message>
    <message>
        <source>up to %n people</source>
        <translation>最多 %n 人</translation>
    </message>
    <message>
        <source>{price} for {period} · {people}</source>
        <translation>{price} / {period} · {people}</translation>
    </message>
    <message>
        <source>The new tier starts a new full period today; nothing is credited.</source>
        <translation>新等級從今天起重新計算一個完整週期，原等級的剩餘部分不折抵。</translation>
    </message>
    <message>
        <source>The unused days of the old tier are credited; the new tier is charged for the days left.</source>
        <translation>原等級未使用的天數折抵費用，新等級依剩餘天數收費。</translation>
    </message>
    <message>
        <source>The unused whole months of the old tier are credited; the new tier is charged for the months left, a month begun counting as used.</source>
        <translation>原等級未使用的整月折抵費用，新等級依剩餘月數收費，已開始的月份視為已使用。</translation>
    </message>
    <message>
        <source>ends on {before} → {after}</source>
        <translation>到期日 {before} → {after}</translation>
    </message>
    <message>
        <source>had lapsed</source>
        <translation>續費前已過期</translation>
    </message>
    <message>
        <source>suspended %n day(s)</source>
        <translation>暫停了 %n 天</translation>
    </message>
    <message>
        <source>{used} of {quota}</source>
        <translation>{used}/{quota}</translation>
    </message>
    <message>
        <source>to pay {sum}</source>
        <translation>應補繳 {sum}</translation>
    </message>
    <message>
        <source>to refund {sum}</source>
        <translation>應退還 {sum}</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>會員</translation>
    </message>
    <message>
        <source>Tiers</source>
        <translation>會員等級</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>報表</translation>
    </message>
</context>
<context>
    <name>MembershipTab</name>
    <message>
        <source>Membership</source>
        <extracomment>the membership page&apos;s feature key, and what the file asks it to show who may read a patient&apos;s membership in full (the service checks the same) show something on another page: (&quot;membership&quot;, (&quot;open&quot;, id) | (&quot;enrol&quot;, patient id)) the membership was read (MembershipView or None); the file&apos;s header shows its tag</extracomment>
        <translation>會員</translation>
    </message>
    <message>
        <source>Open in Membership</source>
        <translation>在會員頁面開啟</translation>
    </message>
    <message>
        <source>Renew, change the tier, record a payment or print the card</source>
        <translation>續費、變更等級、登記收款或列印會員卡</translation>
    </message>
    <message>
        <source>Enrol…</source>
        <translation>辦理會員…</translation>
    </message>
    <message>
        <source>Enrol this patient in a membership tier</source>
        <translation>為此病患辦理會員</translation>
    </message>
    <message>
        <source>Card number</source>
        <translation>卡號</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>有效期限</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>付款人</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>權益</translation>
    </message>
    <message>
        <source>Allowances left</source>
        <translation>剩餘額度</translation>
    </message>
    <message>
        <source>Family members</source>
        <translation>家庭成員</translation>
    </message>
    <message>
        <source>Care team</source>
        <translation>健康管家團隊</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在載入…</translation>
    </message>
    <message>
        <source>Not a member</source>
        <translation>非會員</translation>
    </message>
    <message>
        <source>{tier} membership, {status}</source>
        <translation>會員等級：{tier}（{status}）</translation>
    </message>
    <message>
        <source>{start} to {end}</source>
        <translation>{start} 至 {end}</translation>
    </message>
    <message numerus="yes">
        <source>(%n day(s) left)</source>
        <translation>
            <numerusform>（剩餘 %n 天）</numerusform>
        </translation>
    </message>
    <message>
        <source>{status} since {day}: benefits cannot be used until resumed</source>
        <translation>自 {day} 起{status}：恢復前無法使用權益</translation>
    </message>
    <message>
        <source>· renewal due</source>
        <translation>· 待續費</translation>
    </message>
    <message>
        <source>{name} (this patient)</source>
        <translation>{name}（即此病患）</translation>
    </message>
    <message>
        <source>Not named yet</source>
        <translation>尚未指定</translation>
    </message>
    <message>
        <source>none</source>
        <translation>無</translation>
    </message>
    <message>
        <source>{benefit}: {left} of {quota} left ({first} to {last})</source>
        <translation>{benefit}：剩餘 {left}/{quota} 次（{first} 至 {last}）</translation>
    </message>
    <message>
        <source>{benefit}: {used} of {quota} used, over by {over} ({first} to {last})</source>
        <translation>{benefit}：已用 {used}/{quota} 次，超額 {over} 次（{first} 至 {last}）</translation>
    </message>
    <message>
        <source>{relation}, payer</source>
        <translation>{relation}，付款人</translation>
    </message>
    <message>
        <source>{role}: {name}</source>
        <translation>{role}：{name}</translation>
    </message>
    <message>
        <source>Enrolled.</source>
        <translation>已辦理會員。</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <source>Merge a duplicate record</source>
        <translation>合併重複檔案</translation>
    </message>
    <message>
        <source>Find the other record of this same patient: type a name, pinyin, phone digits, ID or record number, then choose it in the list.</source>
        <translation>搜尋同一位病患的另一份檔案：輸入姓名、拼音、電話號碼、證件號碼或病歷號，然後在清單中選擇。</translation>
    </message>
    <message>
        <source>Search for the duplicate</source>
        <translation>搜尋重複檔案</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病歷號</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>證件</translation>
    </message>
    <message>
        <source>This record (kept)</source>
        <translation>本檔案（保留）</translation>
    </message>
    <message>
        <source>Duplicate (merged into it)</source>
        <translation>重複檔案（合併到本檔案）</translation>
    </message>
    <message>
        <source>Why are these the same patient? (required)</source>
        <translation>為什麼這兩份檔案是同一位病患？（必填）</translation>
    </message>
    <message>
        <source>e.g. same ID number; registered twice at the desk</source>
        <translation>例如：證件號碼相同；櫃檯重複登記</translation>
    </message>
    <message>
        <source>Everything recorded for the duplicate moves to this record; the duplicate is kept, marked as merged, and cannot be edited. This cannot be undone from the screen.</source>
        <translation>重複檔案中記錄的所有內容都會移到本檔案；重複檔案會保留，標記為已合併，且無法再編輯。此操作無法在畫面上復原。</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合併</translation>
    </message>
    <message>
        <source>Choose the duplicate record in the list first.</source>
        <translation>請先在清單中選擇重複檔案。</translation>
    </message>
</context>
<context>
    <name>MessageTemplatesTab</name>
    <message>
        <source>%n characters: too long for an SMS (at most {top}); it can go only by e-mail.</source>
        <translation>共 %n 字：超出簡訊長度上限（最多 {top} 字），只能以電子郵件傳送。</translation>
    </message>
    <message>
        <source>%n characters: 1 SMS.</source>
        <translation>共 %n 字：1 則簡訊。</translation>
    </message>
    <message>
        <source>%n characters: sent as {parts} SMS joined together ({single} characters fit in one).</source>
        <translation>共 %n 字：將拆成 {parts} 則簡訊合併傳送（每則最多 {single} 字）。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>Subject (e-mail)</source>
        <translation>主旨（電子郵件）</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>啟用</translation>
    </message>
    <message>
        <source>Preview for a sample patient (Ms Zhang, tomorrow 09:30)</source>
        <translation>範例病患預覽（張女士，明天 09:30）</translation>
    </message>
    <message>
        <source>Only a supervisor (the director or a health manager) can change the wording.</source>
        <translation>只有主管（院長或健康管理師）可以修改訊息內容。</translation>
    </message>
    <message>
        <source>Restore the default…</source>
        <translation>還原預設…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>儲存</translation>
    </message>
    <message>
        <source>{name} (changed)</source>
        <translation>{name}（已修改）</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>尚未儲存的變更</translation>
    </message>
    <message>
        <source>The changes to “{name}” are not saved. Discard them?</source>
        <translation>「{name}」的變更尚未儲存。要放棄這些變更嗎？</translation>
    </message>
    <message>
        <source>Subject: {subject}</source>
        <translation>主旨：{subject}</translation>
    </message>
    <message>
        <source>Changed here, not saved yet.</source>
        <translation>已在此修改，尚未儲存。</translation>
    </message>
    <message>
        <source>The shipped wording.</source>
        <translation>系統內建的文字。</translation>
    </message>
    <message>
        <source>Changed by the clinic.</source>
        <translation>已由本診所修改。</translation>
    </message>
    <message>
        <source>Saved. New messages use this wording.</source>
        <translation>已儲存。新訊息將使用此文字。</translation>
    </message>
    <message>
        <source>Restore the default wording</source>
        <translation>還原預設文字</translation>
    </message>
    <message>
        <source>Replace the wording of “{name}” with the one ClinicDesk ships?</source>
        <translation>要用系統內建的文字取代「{name}」嗎？</translation>
    </message>
    <message>
        <source>The default wording is back.</source>
        <translation>已還原預設文字。</translation>
    </message>
</context>
<context>
    <name>Metric</name>
    <message>
        <source>Satisfaction</source>
        <translation>滿意度</translation>
    </message>
    <message>
        <source>Complaints closed</source>
        <translation>投訴結案率</translation>
    </message>
    <message>
        <source>Complaints closed on time</source>
        <translation>投訴按時結案率</translation>
    </message>
    <message>
        <source>No-show rate</source>
        <translation>未到診率</translation>
    </message>
    <message>
        <source>Average wait</source>
        <translation>平均候診時間</translation>
    </message>
    <message>
        <source>Wait, 90th percentile</source>
        <translation>90% 病患候診時間</translation>
    </message>
    <message>
        <source>Long waits</source>
        <translation>候診逾時次數</translation>
    </message>
    <message>
        <source>Follow-up rate</source>
        <translation>回訪率</translation>
    </message>
    <message>
        <source>Revisit booking rate</source>
        <translation>複診預約率</translation>
    </message>
    <message>
        <source>Booked visits</source>
        <translation>預約就診率</translation>
    </message>
    <message>
        <source>Prescription corrections</source>
        <translation>處方更正率</translation>
    </message>
</context>
<context>
    <name>MissingPanel</name>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>員工</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>崗位</translation>
    </message>
    <message>
        <source>Doctors count on the days they are rostered, everyone else on the days the clinic is open. Today is listed from tomorrow: the check is done at the day&apos;s end.</source>
        <translation>醫師按排班日計算，其他人員按診所看診日計算。當天的自查於下班時填寫，次日起才列入未交名單。</translation>
    </message>
    <message>
        <source>Everyone who worked submitted their self-check.</source>
        <translation>當班員工均已提交自查。</translation>
    </message>
</context>
<context>
    <name>OptOutDialog</name>
    <message>
        <source>Calls and messages</source>
        <translation>電話與訊息</translation>
    </message>
    <message>
        <source>What the patient agreed to. Ticking a box stops that kind of contact; unticking it later reopens nothing.</source>
        <translation>依病患的意願設定。勾選後即停止該類聯繫；之後取消勾選也不會重新開啟已關閉的回訪或訊息。</translation>
    </message>
    <message>
        <source>The patient does not want follow-up calls</source>
        <translation>病患不接受回訪電話</translation>
    </message>
    <message>
        <source>The patient does not want messages</source>
        <translation>病患不接收訊息</translation>
    </message>
    <message>
        <source>Note (when and how they said so)</source>
        <translation>備註（何時、以何種方式提出）</translation>
    </message>
    <message numerus="yes">
        <source>%n open follow-up call(s) will be closed.</source>
        <translation>
            <numerusform>將關閉 %n 筆待處理的電話回訪。</numerusform>
        </translation>
    </message>
    <message>
        <source>Open follow-up calls will be closed.</source>
        <translation>將關閉待處理的電話回訪。</translation>
    </message>
    <message numerus="yes">
        <source>%n open message follow-up(s) will be closed.</source>
        <translation>
            <numerusform>將關閉 %n 筆待處理的訊息回訪。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n queued message(s) will be cancelled.</source>
        <translation>
            <numerusform>將取消 %n 則待發訊息。</numerusform>
        </translation>
    </message>
    <message>
        <source>Queued messages will be cancelled.</source>
        <translation>將取消待發訊息。</translation>
    </message>
    <message>
        <source>Save?</source>
        <translation>是否儲存？</translation>
    </message>
</context>
<context>
    <name>Outbox</name>
    <message>
        <source>No mail server is set, so e-mail waits. Set the mail server in Settings &gt; Messages.</source>
        <translation>尚未設定郵件伺服器，電子郵件暫不寄出。請在「設定 → 訊息」中設定郵件伺服器。</translation>
    </message>
    <message>
        <source>No sender address is set, so e-mail waits. Set &apos;Send e-mail as&apos; (or the mail server user name) in Settings &gt; Messages.</source>
        <translation>尚未設定寄件地址，電子郵件暫不寄出。請在「設定 → 訊息」中設定「寄件地址」（或郵件伺服器使用者名稱）。</translation>
    </message>
    <message>
        <source>Choose the mail server security (starttls, ssl or none).</source>
        <translation>請選擇郵件伺服器的安全方式（starttls、ssl 或 none）。</translation>
    </message>
    <message>
        <source>{address} is not an e-mail address ({detail}). Correct it in the patient&apos;s record.</source>
        <translation>{address} 不是有效的電子郵件地址（{detail}）。請在病患資料中更正。</translation>
    </message>
    <message>
        <source>The mail server {host}:{port} did not answer within {seconds} seconds. The message stays queued and is tried again later.</source>
        <translation>郵件伺服器 {host}:{port} 在 {seconds} 秒內未回應。訊息仍在待發佇列中，稍後將重試。</translation>
    </message>
    <message>
        <source>The mail server&apos;s certificate could not be verified ({detail}). Check the server name in Settings &gt; Messages.</source>
        <translation>無法驗證郵件伺服器的憑證（{detail}）。請在「設定 → 訊息」中檢查伺服器名稱。</translation>
    </message>
    <message>
        <source>A secure connection to the mail server failed ({detail}). Check the security setting: usually ssl for port 465 and starttls for port 587.</source>
        <translation>與郵件伺服器建立安全連線失敗（{detail}）。請檢查安全方式設定：連接埠 465 通常用 ssl，連接埠 587 通常用 starttls。</translation>
    </message>
    <message>
        <source>Cannot reach the mail server {host}:{port} ({detail}). Check the server and port in Settings &gt; Messages and the network; the message is tried again later.</source>
        <translation>無法連線到郵件伺服器 {host}:{port}（{detail}）。請檢查「設定 → 訊息」中的伺服器和連接埠以及網路；稍後將重試寄送該訊息。</translation>
    </message>
    <message>
        <source>The mail server {host} turned the connection away: {reply}. The message is tried again later.</source>
        <translation>郵件伺服器 {host} 拒絕了連線：{reply}。稍後將重試寄送該訊息。</translation>
    </message>
    <message>
        <source>The mail server {host} does not offer STARTTLS. Choose &apos;ssl&apos; (usually port 465) or, only inside the clinic&apos;s own network, &apos;none&apos; in Settings &gt; Messages.</source>
        <translation>郵件伺服器 {host} 不支援 STARTTLS。請在「設定 → 訊息」中選擇「ssl」（通常為連接埠 465），或僅在診所內部網路中選擇「none」。</translation>
    </message>
    <message>
        <source>The mail server did not accept the user name or password ({reply}). Check them in Settings &gt; Messages; many mail services want an app password (授权码) here.</source>
        <translation>郵件伺服器不接受該使用者名稱或密碼（{reply}）。請在「設定 → 訊息」中檢查；許多郵件服務在此需要填寫應用程式密碼（授權碼）。</translation>
    </message>
    <message>
        <source>The mail server does not take a user name and password on this connection. Choose &apos;starttls&apos; or &apos;ssl&apos;, or clear the user name.</source>
        <translation>郵件伺服器在此連線上不接受使用者名稱和密碼。請選擇「starttls」或「ssl」，或清除使用者名稱。</translation>
    </message>
    <message>
        <source>The mail server refused the address {address}: {reply}. Check the address in the patient&apos;s record.</source>
        <translation>郵件伺服器拒收地址 {address}：{reply}。請檢查病患資料中的地址。</translation>
    </message>
    <message>
        <source>The mail server did not take the message for {address} for now: {reply}. It is tried again later.</source>
        <translation>郵件伺服器暫未接收寄往 {address} 的訊息：{reply}。稍後將重試。</translation>
    </message>
    <message>
        <source>The mail server refused the sender address {sender}: {reply}. Check &apos;Send e-mail as&apos; in Settings &gt; Messages.</source>
        <translation>郵件伺服器拒絕了寄件地址 {sender}：{reply}。請檢查「設定 → 訊息」中的「寄件地址」。</translation>
    </message>
    <message>
        <source>The mail server refused the message: {reply}.</source>
        <translation>郵件伺服器拒收該訊息：{reply}。</translation>
    </message>
    <message>
        <source>The mail server did not take the message for now: {reply}. It is tried again later.</source>
        <translation>郵件伺服器暫未接收該訊息：{reply}。稍後將重試。</translation>
    </message>
    <message>
        <source>The mail server cannot take the address {address} (it has characters beyond plain letters and digits). Use another address.</source>
        <translation>郵件伺服器無法處理地址 {address}（含有字母和數字以外的字元）。請使用其他地址。</translation>
    </message>
    <message>
        <source>The message gateway plug-in &apos;{name}&apos; could not be used ({detail}). Reinstall or remove it; until then its channel&apos;s messages wait for the batch file.</source>
        <translation>無法使用訊息閘道外掛「{name}」（{detail}）。請重新安裝或移除該外掛；在此之前，該管道的訊息將等待批次匯出檔案寄送。</translation>
    </message>
    <message>
        <source>Appointment reminder, a week before</source>
        <translation>預約提醒（提前一週）</translation>
    </message>
    <message>
        <source>After the visit: advice and revisit</source>
        <translation>看診後：醫囑與複診提醒</translation>
    </message>
    <message>
        <source>Missed appointment</source>
        <translation>爽約提醒</translation>
    </message>
    <message>
        <source>Health reminder (campaign)</source>
        <translation>健康提醒（群發）</translation>
    </message>
    <message>
        <source>Membership renewal, before it ends</source>
        <translation>會員續費提醒（到期前）</translation>
    </message>
    <message>
        <source>how the patient is addressed (张女士)</source>
        <translation>病患尊稱（張女士）</translation>
    </message>
    <message>
        <source>the clinic&apos;s name</source>
        <translation>診所名稱</translation>
    </message>
    <message>
        <source>the clinic&apos;s phone</source>
        <translation>診所電話</translation>
    </message>
    <message>
        <source>the appointment&apos;s date</source>
        <translation>預約日期</translation>
    </message>
    <message>
        <source>the appointment&apos;s time</source>
        <translation>預約時間</translation>
    </message>
    <message>
        <source>the appointment&apos;s day of the week</source>
        <translation>預約星期</translation>
    </message>
    <message>
        <source>the doctor&apos;s name</source>
        <translation>醫師姓名</translation>
    </message>
    <message>
        <source>message</source>
        <translation>訊息</translation>
    </message>
    <message>
        <source>asked for no messages</source>
        <translation>已拒收訊息</translation>
    </message>
    <message>
        <source>deceased</source>
        <translation>已故</translation>
    </message>
    <message>
        <source>no mobile, e-mail or WeChat</source>
        <translation>無手機號碼、電子郵件或微信</translation>
    </message>
    <message>
        <source>e-mail address not valid</source>
        <translation>電子郵件地址無效</translation>
    </message>
    <message>
        <source>already queued</source>
        <translation>已在待發佇列中</translation>
    </message>
    <message>
        <source>text would mention their diagnosis or medicine</source>
        <translation>內容會提及其診斷或藥品</translation>
    </message>
    <message>
        <source>template switched off</source>
        <translation>範本已停用</translation>
    </message>
    <message>
        <source>template needs a value it was not given</source>
        <translation>範本缺少所需的值</translation>
    </message>
    <message>
        <source>too long for a text message</source>
        <translation>超出簡訊長度</translation>
    </message>
    <message>
        <source>the clinic&apos;s phone is not set</source>
        <translation>未設定診所電話</translation>
    </message>
    <message>
        <source>Sending stopped unexpectedly ({detail}); it is not known whether the message went. Check, then retry it with confirmation.</source>
        <translation>寄送意外中斷（{detail}），無法確定訊息是否已送出。請先核實，再確認重送。</translation>
    </message>
    <message>
        <source>campaign message</source>
        <translation>群發訊息</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <source>Queued</source>
        <translation>待傳送</translation>
    </message>
    <message>
        <source>Sending (result unknown)</source>
        <translation>傳送中（結果未知）</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>已傳送</translation>
    </message>
    <message>
        <source>Exported</source>
        <translation>已匯出</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失敗</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>簡訊</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>電子郵件</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>Reminders and health messages waiting to go, and what became of each. E-mails go through the clinic&apos;s mail server; SMS and WeChat messages are exported as a batch file for the bulk-messaging platform.</source>
        <translation>待傳送的提醒和健康訊息，以及每則訊息的結果。電子郵件透過診所的郵件伺服器寄出；簡訊和微信訊息匯出為批次檔案，交由群發平台傳送。</translation>
    </message>
    <message>
        <source>Send due e-mails now</source>
        <translation>立即寄出到期的電子郵件</translation>
    </message>
    <message>
        <source>Export SMS batch…</source>
        <translation>匯出簡訊批次檔…</translation>
    </message>
    <message>
        <source>Export WeChat batch…</source>
        <translation>匯出微信批次檔…</translation>
    </message>
    <message>
        <source>Queue a message…</source>
        <translation>新增訊息…</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>再試一次</translation>
    </message>
    <message>
        <source>Put a failed message back in the queue</source>
        <translation>把傳送失敗的訊息重新放回待傳送佇列</translation>
    </message>
    <message>
        <source>Mark to send again…</source>
        <translation>標記為重新傳送…</translation>
    </message>
    <message>
        <source>For a message whose result is unknown, or an exported one the platform did not send: put it back in the queue</source>
        <translation>用於結果未知的訊息，或已匯出但群發平台未送出的訊息：重新放回待傳送佇列</translation>
    </message>
    <message>
        <source>It did arrive</source>
        <translation>已送達</translation>
    </message>
    <message>
        <source>For a message whose result is unknown that you checked reached the patient</source>
        <translation>用於結果未知、但經核實已送達病患的訊息</translation>
    </message>
    <message>
        <source>Cancel message…</source>
        <translation>取消訊息…</translation>
    </message>
    <message>
        <source>When due</source>
        <translation>傳送時間</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>管道</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>號碼／地址</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <source>State</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>嘗試次數</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近的錯誤</translation>
    </message>
    <message>
        <source>Sent at</source>
        <translation>送出時間</translation>
    </message>
    <message>
        <source>{state} ({n})</source>
        <translation>{state}（{n}）</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) were handed to the mail server but no answer came back (the connection broke or ClinicDesk stopped): whether they arrived is unknown. They are not sent again by themselves. Ask the patient or check the mail server&apos;s log; if one did not arrive, choose it in the “Sending (result unknown)” list and use “Mark to send again…”; if it did, “It did arrive”.</source>
        <translation>
            <numerusform>有 %n 則訊息已交給郵件伺服器，但一直沒有收到回應（連線中斷或 ClinicDesk 已停止執行）：無法確定是否已送達。這些訊息不會自動重送。請詢問病患或查看郵件伺服器日誌；如果某則未送達，請在「傳送中（結果未知）」清單中選取它並使用「標記為重新傳送…」；如果已送達，請使用「已送達」。</numerusform>
        </translation>
    </message>
    <message>
        <source>Why cancelled</source>
        <translation>取消原因</translation>
    </message>
    <message>
        <source>Sent or not: unknown. See the warning above.</source>
        <translation>是否已送出：未知。請看上方的提示。</translation>
    </message>
    <message>
        <source>Only the latest {n} are listed.</source>
        <translation>僅列出最近的 {n} 則。</translation>
    </message>
    <message>
        <source>No messages in this list.</source>
        <translation>此清單中沒有訊息。</translation>
    </message>
    <message>
        <source>{channel} messages go through the “{name}” plug-in.</source>
        <translation>{channel}訊息透過外掛「{name}」傳送。</translation>
    </message>
    <message>
        <source>Last error: {reason}</source>
        <translation>最近的錯誤：{reason}</translation>
    </message>
    <message>
        <source>Sending the due e-mails…</source>
        <translation>正在寄出到期的電子郵件…</translation>
    </message>
    <message>
        <source>No e-mails were due.</source>
        <translation>沒有到期的電子郵件。</translation>
    </message>
    <message numerus="yes">
        <source>%n e-mail(s) sent.</source>
        <translation>
            <numerusform>已寄出 %n 封電子郵件。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n could not be delivered (see “Failed”).</source>
        <translation>
            <numerusform>%n 封無法投遞（見「失敗」）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n wait for the sending hours ({start}–{end}).</source>
        <translation>
            <numerusform>%n 封等待傳送時段（{start}–{end}）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n stay queued and are tried again later.</source>
        <translation>
            <numerusform>%n 封仍在佇列中，稍後重試。</numerusform>
        </translation>
    </message>
    <message>
        <source>Save the SMS batch as</source>
        <translation>簡訊批次檔另存為</translation>
    </message>
    <message>
        <source>Save the WeChat batch as</source>
        <translation>微信批次檔另存為</translation>
    </message>
    <message>
        <source>CSV file (*.csv)</source>
        <translation>CSV 檔案 (*.csv)</translation>
    </message>
    <message>
        <source>Writing the batch file…</source>
        <translation>正在寫入批次檔…</translation>
    </message>
    <message>
        <source>No SMS messages are waiting to be exported; no file was written.</source>
        <translation>沒有待匯出的簡訊，未產生檔案。</translation>
    </message>
    <message>
        <source>No WeChat messages are waiting to be exported; no file was written.</source>
        <translation>沒有待匯出的微信訊息，未產生檔案。</translation>
    </message>
    <message numerus="yes">
        <source>%n SMS message(s) saved to {path}.</source>
        <translation>
            <numerusform>已將 %n 則簡訊儲存至 {path}。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n WeChat message(s) saved to {path}.</source>
        <translation>
            <numerusform>已將 %n 則微信訊息儲存至 {path}。</numerusform>
        </translation>
    </message>
    <message>
        <source>Upload the file to the bulk-messaging platform; it also opens in Excel or WPS. These messages are now marked exported (batch {batch}) and will not be exported again.</source>
        <translation>請把檔案上傳到群發平台；該檔案也可以用 Excel 或 WPS 開啟。這些訊息已標記為已匯出（批次 {batch}），不會再次匯出。</translation>
    </message>
    <message>
        <source>The message is back in the queue.</source>
        <translation>訊息已重新放回待傳送佇列。</translation>
    </message>
    <message>
        <source>This message to {patient} went out in the batch file {batch}. Put it back in the queue only if the platform did not send it: otherwise the patient gets it twice.</source>
        <translation>傳給{patient}的這則訊息已在批次檔 {batch} 中匯出。只有在群發平台確實沒有送出時才重新放回佇列，否則病患會收到兩次。</translation>
    </message>
    <message>
        <source>Whether this message reached {patient} is unknown: the mail server took it but its answer never came. If it did arrive, sending again means the patient gets it twice. Put it back in the queue?</source>
        <translation>無法確定{patient}是否已收到這則訊息：郵件伺服器已接收，但一直沒有回應。如果其實已經送達，重新傳送會讓病患收到兩次。要重新放回待傳送佇列嗎？</translation>
    </message>
    <message>
        <source>Send again?</source>
        <translation>重新傳送？</translation>
    </message>
    <message>
        <source>The message is back in the queue and goes with the next sending.</source>
        <translation>訊息已重新放回佇列，將在下次傳送時送出。</translation>
    </message>
    <message>
        <source>The message is marked as sent.</source>
        <translation>該訊息已標記為已傳送。</translation>
    </message>
    <message>
        <source>Cancel the message</source>
        <translation>取消訊息</translation>
    </message>
    <message>
        <source>Why is the message to {patient} cancelled?</source>
        <translation>為什麼取消傳給{patient}的訊息？</translation>
    </message>
    <message>
        <source>The message was cancelled; it will not be sent.</source>
        <translation>訊息已取消，不會傳送。</translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>ID document</source>
        <translation>證件</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phones</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Occupation and title</source>
        <translation>職業與職稱</translation>
    </message>
    <message>
        <source>Contact by</source>
        <translation>聯絡方式</translation>
    </message>
    <message>
        <source>Came to us by</source>
        <translation>來源管道</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>緊急聯絡人</translation>
    </message>
    <message>
        <source>Notes for the desk</source>
        <translation>櫃檯備註</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>過敏</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>目前用藥</translation>
    </message>
    <message>
        <source>Chronic conditions</source>
        <translation>慢性病</translation>
    </message>
    <message>
        <source>Substance</source>
        <translation>過敏原</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>嚴重程度</translation>
    </message>
    <message>
        <source>Reaction</source>
        <translation>反應</translation>
    </message>
    <message>
        <source>Medicine</source>
        <translation>藥品</translation>
    </message>
    <message>
        <source>Dose</source>
        <translation>劑量</translation>
    </message>
    <message>
        <source>How often</source>
        <translation>頻率</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>來源</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>疾病</translation>
    </message>
    <message>
        <source>ICD-10</source>
        <translation>ICD-10</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <source>Add allergy…</source>
        <translation>新增過敏…</translation>
    </message>
    <message>
        <source>Entered in error…</source>
        <translation>輸入有誤…</translation>
    </message>
    <message>
        <source>Add medicine…</source>
        <translation>新增藥品…</translation>
    </message>
    <message>
        <source>Stopped…</source>
        <translation>停藥…</translation>
    </message>
    <message>
        <source>Add condition…</source>
        <translation>新增疾病…</translation>
    </message>
    <message>
        <source>Record vital signs…</source>
        <translation>記錄生命徵象…</translation>
    </message>
    <message>
        <source>Add allergy</source>
        <translation>新增過敏</translation>
    </message>
    <message>
        <source>Substance (medicine, food…)</source>
        <translation>過敏原（藥品、食物…）</translation>
    </message>
    <message>
        <source>Choose an allergy in the list first.</source>
        <translation>請先在清單中選擇一筆過敏紀錄。</translation>
    </message>
    <message>
        <source>Allergy entered in error</source>
        <translation>過敏紀錄有誤</translation>
    </message>
    <message>
        <source>Why it does not apply</source>
        <translation>不適用的原因</translation>
    </message>
    <message>
        <source>Add current medicine</source>
        <translation>新增目前用藥</translation>
    </message>
    <message>
        <source>Taken since</source>
        <translation>開始服用日期</translation>
    </message>
    <message>
        <source>Choose a medicine in the list first.</source>
        <translation>請先在清單中選擇一種藥品。</translation>
    </message>
    <message>
        <source>Medicine stopped</source>
        <translation>已停藥</translation>
    </message>
    <message>
        <source>Why it was stopped</source>
        <translation>停藥原因</translation>
    </message>
    <message>
        <source>Add chronic condition</source>
        <translation>新增慢性病</translation>
    </message>
    <message>
        <source>ICD-10 code (optional)</source>
        <translation>ICD-10 代碼（選填）</translation>
    </message>
</context>
<context>
    <name>PairingDialog</name>
    <message>
        <source>Add a workstation</source>
        <translation>新增工作站</translation>
    </message>
    <message>
        <source>Name of the new workstation</source>
        <translation>新工作站名稱</translation>
    </message>
    <message>
        <source>e.g. Dr Wang&apos;s room</source>
        <translation>例如 王醫師診間</translation>
    </message>
    <message>
        <source>Create pairing code</source>
        <translation>產生配對碼</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Copy the code</source>
        <translation>複製配對碼</translation>
    </message>
    <message>
        <source>A pairing code lets one more computer join this clinic&apos;s sync. Give the computer a name people recognise; it appears in the list of workstations.</source>
        <translation>配對碼可讓另一台電腦加入本診所的同步。請為這台電腦取一個大家都認得出的名稱，它會顯示在工作站清單中。</translation>
    </message>
    <message>
        <source>The pairing code for “{name}”. It is shown only now.</source>
        <translation>「{name}」的配對碼。它只在此時顯示。</translation>
    </message>
    <message>
        <source>On the new computer: install ClinicDesk and start it. In the first-run setup choose “Join a clinic that already syncs”. Type the hub address and this code, or scan the QR code into the code field (it carries both), then the director&apos;s user name and password.</source>
        <translation>在新電腦上：安裝並啟動 ClinicDesk。在首次執行的設定精靈中選擇「加入已啟用同步的診所」。輸入同步伺服器位址和此配對碼，或將 QR Code 掃描到配對碼欄位中（QR Code 包含這兩項），然後輸入院長的使用者名稱和密碼。</translation>
    </message>
    <message>
        <source>Registering the workstation on the hub…</source>
        <translation>正在同步伺服器上登記工作站…</translation>
    </message>
    <message>
        <source>This code expired at {time}. Close this window and create a new one.</source>
        <translation>此配對碼已於 {time} 過期。請關閉此視窗並重新產生。</translation>
    </message>
    <message>
        <source>The code works once, until {time}.</source>
        <translation>此配對碼只能使用一次，有效期限至 {time}。</translation>
    </message>
    <message>
        <source>The code is on the clipboard.</source>
        <translation>配對碼已複製到剪貼簿。</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>Use at least {n} characters.</source>
        <translation>請至少使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>Use at most {n} characters.</source>
        <translation>最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>Type a passphrase.</source>
        <translation>請輸入通關密語。</translation>
    </message>
    <message>
        <source>Too easy to guess. Use four or more unrelated words, or a sentence only you would say.</source>
        <translation>太容易被猜到。請使用四個或更多互不相關的詞語，或一句只有您才會說的話。</translation>
    </message>
    <message>
        <source>Do not use the clinic&apos;s name, phone or a login in the passphrase.</source>
        <translation>通關密語中請勿包含診所名稱、電話或使用者名稱。</translation>
    </message>
    <message>
        <source>Very weak</source>
        <translation>非常弱</translation>
    </message>
    <message>
        <source>Weak</source>
        <translation>弱</translation>
    </message>
    <message>
        <source>Fair</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>強</translation>
    </message>
    <message>
        <source>Very strong</source>
        <translation>非常強</translation>
    </message>
</context>
<context>
    <name>PassphrasePage</name>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>兩次輸入的通關密語不一致。請輸入兩次相同的通關密語。</translation>
    </message>
    <message>
        <source>This computer&apos;s passphrase</source>
        <translation>這台電腦的通關密語</translation>
    </message>
    <message>
        <source>Each workstation keeps its own encrypted copy of the clinic&apos;s data, opened by its own passphrase. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Keep it where the director can find it, away from the computer.</source>
        <translation>每台工作站都保存一份自己的診所資料加密副本，以各自的通關密語開啟。請選擇一句只有您才會說的話，由四個或更多互不相關的詞語組成；可以使用中文。請將它保存在院長找得到、且遠離電腦的地方。</translation>
    </message>
    <message>
        <source>The clinic passphrase</source>
        <translation>診所通關密語</translation>
    </message>
    <message>
        <source>The clinic passphrase opens the clinic&apos;s data on any computer: a new one, or this one after a repair. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Do not lose it: keep it where the director can find it, away from the computer.</source>
        <translation>診所通關密語可以在任何電腦上開啟診所資料：無論是新電腦，還是維修後的這台電腦。請選擇一句只有您才會說的話，由四個或更多互不相關的詞語組成；可以使用中文。請勿遺失通關密語：將它保存在院長找得到、且遠離電腦的地方。</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>通關密語</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>再次輸入通關密語</translation>
    </message>
    <message>
        <source>Show what I type</source>
        <translation>顯示輸入內容</translation>
    </message>
</context>
<context>
    <name>Patient</name>
    <message>
        <source>Mobile call</source>
        <translation>手機通話</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>簡訊</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>電子郵件</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>信件</translation>
    </message>
    <message>
        <source>Home visit</source>
        <translation>家訪</translation>
    </message>
    <message>
        <source>Walked in</source>
        <translation>自行前來</translation>
    </message>
    <message>
        <source>Phone booking</source>
        <translation>電話預約</translation>
    </message>
    <message>
        <source>Online booking</source>
        <translation>網路預約</translation>
    </message>
    <message>
        <source>Referral</source>
        <translation>轉診</translation>
    </message>
    <message>
        <source>Free-clinic event</source>
        <translation>義診活動</translation>
    </message>
    <message>
        <source>Recommended by someone</source>
        <translation>他人推薦</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>兒童</translation>
    </message>
    <message>
        <source>Elderly</source>
        <translation>長者</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>身心障礙者</translation>
    </message>
    <message>
        <source>Accompanied service</source>
        <translation>陪同服務</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Not stated</source>
        <translation>未說明</translation>
    </message>
    <message>
        <source>Resident ID card (mainland)</source>
        <translation>居民身分證（內地）</translation>
    </message>
    <message>
        <source>Hong Kong identity card</source>
        <translation>香港身分證</translation>
    </message>
    <message>
        <source>Macau identity card</source>
        <translation>澳門身分證</translation>
    </message>
    <message>
        <source>Taiwan ID card</source>
        <translation>臺灣身分證</translation>
    </message>
    <message>
        <source>Mainland travel permit (HK/Macau)</source>
        <translation>港澳居民來往內地通行證（回鄉證）</translation>
    </message>
    <message>
        <source>Mainland travel permit (Taiwan)</source>
        <translation>臺灣居民來往大陸通行證（台胞證）</translation>
    </message>
    <message>
        <source>Residence permit (HK/Macau/TW)</source>
        <translation>港澳臺居民居住證</translation>
    </message>
    <message>
        <source>Foreign permanent resident ID</source>
        <translation>外國人永久居留身分證</translation>
    </message>
    <message>
        <source>Passport</source>
        <translation>護照</translation>
    </message>
</context>
<context>
    <name>PatientFileDialog</name>
    <message>
        <source>Patient file</source>
        <translation>病患檔案</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>關閉</translation>
    </message>
</context>
<context>
    <name>PatientFileView</name>
    <message>
        <source>← Search</source>
        <extracomment>show something on another page (feature key, target), as pages do: the membership tab&apos;s &quot;Open in Membership&quot; and &quot;Enrol…&quot; (&quot;membership&quot;, (what, id))</extracomment>
        <translation>← 搜尋</translation>
    </message>
    <message>
        <source>Back to the search (Esc)</source>
        <translation>返回搜尋（Esc）</translation>
    </message>
    <message>
        <source>Edit details…</source>
        <translation>編輯資料…</translation>
    </message>
    <message>
        <source>Merge a duplicate…</source>
        <translation>合併重複檔案…</translation>
    </message>
    <message>
        <source>Emergency access…</source>
        <translation>緊急存取…</translation>
    </message>
    <message>
        <source>Open the clinical record outside your role in an emergency. You must give a reason; the access is recorded and reviewed.</source>
        <translation>緊急情況下調閱超出您角色權限的臨床病歷。必須填寫原因；此次調閱會被記錄並接受審查。</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>列印</translation>
    </message>
    <message>
        <source>Print a card, hand-out or form for this patient</source>
        <translation>為此病患列印卡片、須知或表單</translation>
    </message>
    <message>
        <source>Contact card (连心卡)</source>
        <translation>連心卡</translation>
    </message>
    <message>
        <source>First-visit information</source>
        <translation>初診須知</translation>
    </message>
    <message>
        <source>Follow-up call record, filled in</source>
        <translation>電話回訪表（預填病患資料）</translation>
    </message>
    <message>
        <source>Follow-up call record, blank</source>
        <translation>電話回訪表（空白）</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概覽</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>就診紀錄</translation>
    </message>
    <message>
        <source>Contact history</source>
        <translation>聯絡紀錄</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>載入中…</translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n 歲</numerusform>
        </translation>
    </message>
    <message>
        <source>age unknown</source>
        <translation>年齡不詳</translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>病歷號 {no}</translation>
    </message>
    <message>
        <source>Address as: {form}</source>
        <translation>稱呼：{form}</translation>
    </message>
    <message>
        <source>This record was merged into another one.</source>
        <translation>此檔案已合併至另一份檔案。</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>過敏史：尚無紀錄。請詢問病患。</translation>
    </message>
    <message>
        <source>ALLERGIES: {list}</source>
        <translation>過敏：{list}</translation>
    </message>
    <message>
        <source>Emergency access</source>
        <translation>緊急存取</translation>
    </message>
    <message>
        <source>Why do you need this patient&apos;s clinical record now? Your access is recorded with this reason and reviewed by the director.</source>
        <translation>您為什麼現在需要查看這位病患的臨床病歷？此次調閱將連同此原因一併記錄，並由院長審查。</translation>
    </message>
    <message>
        <source>Give a reason of at least 4 characters.</source>
        <translation>請填寫原因，至少 4 個字元。</translation>
    </message>
</context>
<context>
    <name>PatientFollowupsTab</name>
    <message>
        <source>Follow-ups</source>
        <translation>回訪</translation>
    </message>
    <message>
        <source>Add a follow-up…</source>
        <translation>新增回訪…</translation>
    </message>
    <message>
        <source>Record death…</source>
        <translation>登記死亡…</translation>
    </message>
    <message>
        <source>Calls and messages…</source>
        <translation>電話和訊息…</translation>
    </message>
    <message>
        <source>Whether the patient agrees to follow-up calls and to messages</source>
        <translation>病患是否同意接收回訪電話和訊息</translation>
    </message>
    <message>
        <source>Calls and messages to make</source>
        <translation>待辦電話和訊息</translation>
    </message>
    <message>
        <source>Calls made</source>
        <translation>已完成的回訪</translation>
    </message>
    <message>
        <source>Follow-up calls are listed for the staff who make them.</source>
        <translation>回訪電話僅對負責回訪的工作人員顯示。</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>類別</translation>
    </message>
    <message>
        <source>What</source>
        <translation>內容</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>管道</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>回訪人</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>嘗試次數</translation>
    </message>
    <message>
        <source>Called</source>
        <translation>回訪時間</translation>
    </message>
    <message>
        <source>By</source>
        <translation>回訪人</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>結果</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Spot check</source>
        <translation>抽查</translation>
    </message>
    <message>
        <source>Died {day}</source>
        <translation>{day} 死亡</translation>
    </message>
    <message>
        <source>No calls</source>
        <translation>無回訪紀錄</translation>
    </message>
    <message>
        <source>No messages</source>
        <translation>無訊息</translation>
    </message>
</context>
<context>
    <name>PatientFormDialog</name>
    <message>
        <source>Patient details</source>
        <extracomment>a patient was saved or an existing one chosen: its id</extracomment>
        <translation>病患資料</translation>
    </message>
    <message>
        <source>New patient</source>
        <translation>新病患</translation>
    </message>
    <message>
        <source>Identity</source>
        <translation>身分資料</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>聯絡方式</translation>
    </message>
    <message>
        <source>About the patient</source>
        <translation>病患概況</translation>
    </message>
    <message>
        <source>Emergency contact and notes</source>
        <translation>緊急聯絡人與備註</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>姓</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>證件類型</translation>
    </message>
    <message>
        <source>Document number</source>
        <translation>證件號碼</translation>
    </message>
    <message>
        <source>Mobile phone</source>
        <translation>手機</translation>
    </message>
    <message>
        <source>Other phone</source>
        <translation>其他電話</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>電子郵件</translation>
    </message>
    <message>
        <source>WeChat ID</source>
        <translation>微信帳號</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>Contact by</source>
        <translation>偏好聯絡方式</translation>
    </message>
    <message>
        <source>Occupation</source>
        <translation>職業</translation>
    </message>
    <message>
        <source>Title or position</source>
        <translation>職稱或職務</translation>
    </message>
    <message>
        <source>Preferred form of address</source>
        <translation>希望的稱呼</translation>
    </message>
    <message>
        <source>Came to us by</source>
        <translation>來源管道</translation>
    </message>
    <message>
        <source>Special needs</source>
        <translation>特殊需求</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>緊急聯絡人</translation>
    </message>
    <message>
        <source>Relationship</source>
        <translation>關係</translation>
    </message>
    <message>
        <source>Emergency phone</source>
        <translation>緊急聯絡電話</translation>
    </message>
    <message>
        <source>Notes for the desk</source>
        <translation>櫃檯備註</translation>
    </message>
    <message>
        <source>e.g. 1985-03-12</source>
        <translation>例如 1985-03-12</translation>
    </message>
    <message>
        <source>e.g. 138 1234 5678</source>
        <translation>例如 0912 345 678</translation>
    </message>
    <message>
        <source>Only if the patient asked, e.g. 王教授</source>
        <translation>僅在病患要求時填寫，例如 王教授</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（無）</translation>
    </message>
    <message>
        <source>(not known)</source>
        <translation>（不詳）</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>儲存</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>建檔</translation>
    </message>
    <message>
        <source>Open the existing record</source>
        <translation>開啟既有檔案</translation>
    </message>
    <message>
        <source>It is a different person: register</source>
        <translation>不是同一人：繼續建檔</translation>
    </message>
    <message>
        <source>Staff will address the patient as: {form}</source>
        <translation>工作人員將稱呼病患為：{form}</translation>
    </message>
    <message>
        <source>Correct the fields marked in red, then save.</source>
        <translation>請修正標示為紅色的欄位，然後儲存。</translation>
    </message>
</context>
<context>
    <name>PatientSearch</name>
    <message>
        <source>No patient found. Check the spelling, or register a new patient.</source>
        <extracomment>row background by queue status (the alert and green channel colours win) the patient cell&apos;s name and address, for the delegate that draws them in two colours the needs cell&apos;s badge codes the colour the address is drawn in (lighter on a red alert row) the patient cell&apos;s membership tag: (label, colour) from ``member_tag`` (H2) a tier without a colour of its own, and a suspended membership Enter (or a double-click) on a hit: the ``PatientHit`` Escape, or Down with no results: hand the keyboard to the screen below</extracomment>
        <translation>找不到病患。請檢查輸入是否正確，或為新病患建檔。</translation>
    </message>
</context>
<context>
    <name>PatientTableModel</name>
    <message>
        <source>Record no.</source>
        <translation>病歷號</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>證件號碼</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
</context>
<context>
    <name>PaymentBox</name>
    <message>
        <source>Refund money to the payer</source>
        <translation>退款給付款人</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Paid now</source>
        <translation>當場付款</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金額</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>收據號碼</translation>
    </message>
    <message>
        <source>Paid on</source>
        <translation>付款日期</translation>
    </message>
    <message>
        <source>Payment note</source>
        <translation>付款備註</translation>
    </message>
    <message>
        <source>As printed on the receipt</source>
        <translation>依收據上印的號碼填寫</translation>
    </message>
</context>
<context>
    <name>PaymentDialog</name>
    <message>
        <source>Record a payment for {card}</source>
        <translation>為會員卡 {card} 登記收付款</translation>
    </message>
    <message>
        <source>Record money as it changed hands, with the receipt number. This is a record of facts, not an account.</source>
        <translation>依實際收付的金額登記，並填寫收據號碼。這裡只如實記錄收付款，不是帳戶。</translation>
    </message>
    <message>
        <source>Payment received</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>Refund given</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>What</source>
        <translation>類型</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>明細</translation>
    </message>
</context>
<context>
    <name>PdfPreview</name>
    <message>
        <source>No printer is set up on this computer, so this cannot be printed here. Save it as a PDF and print it from a computer that has a printer, or ask the person who looks after the clinic&apos;s computers to add the printer.</source>
        <translation>這台電腦沒有設定印表機，無法在這裡列印。請另存為 PDF，再到有印表機的電腦上列印；或請負責診所電腦維護的人員新增印表機。</translation>
    </message>
    <message>
        <source>the printer</source>
        <translation>印表機</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>列印</translation>
    </message>
    <message>
        <source>Could not print on {printer}: it is switched off, not connected or not set up. Check the printer and try again, or save the document as a PDF.</source>
        <translation>無法在 {printer} 上列印：印表機可能已關機、未連線或未設定。請檢查印表機後再試一次，或將文件另存為 PDF。</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存為 PDF…</translation>
    </message>
    <message>
        <source>Save as PDF</source>
        <translation>另存為 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 檔案 (*.pdf)</translation>
    </message>
</context>
<context>
    <name>PeriodBar</name>
    <message>
        <source>&amp;From</source>
        <translation>從(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;to</source>
        <translation>至(&amp;T)</translation>
    </message>
</context>
<context>
    <name>Prescription</name>
    <message>
        <source>Morning</source>
        <translation>早</translation>
    </message>
    <message>
        <source>Noon</source>
        <translation>中</translation>
    </message>
    <message>
        <source>Evening</source>
        <translation>晚</translation>
    </message>
    <message>
        <source>Bedtime</source>
        <translation>睡前</translation>
    </message>
    <message>
        <source>once a day</source>
        <translation>每日一次</translation>
    </message>
    <message>
        <source>twice a day</source>
        <translation>每日兩次</translation>
    </message>
    <message>
        <source>three times a day</source>
        <translation>每日三次</translation>
    </message>
    <message>
        <source>four times a day</source>
        <translation>每日四次</translation>
    </message>
    <message>
        <source>every night</source>
        <translation>每晚一次</translation>
    </message>
    <message>
        <source>every 8 hours</source>
        <translation>每8小時</translation>
    </message>
    <message>
        <source>every 12 hours</source>
        <translation>每12小時</translation>
    </message>
    <message>
        <source>when needed</source>
        <translation>需要時</translation>
    </message>
    <message>
        <source>once only</source>
        <translation>單次</translation>
    </message>
    <message>
        <source>once a week</source>
        <translation>每週一次</translation>
    </message>
    <message>
        <source>before meals</source>
        <translation>飯前</translation>
    </message>
    <message>
        <source>after meals</source>
        <translation>飯後</translation>
    </message>
    <message>
        <source>with meals</source>
        <translation>隨餐</translation>
    </message>
    <message>
        <source>on an empty stomach</source>
        <translation>空腹</translation>
    </message>
    <message>
        <source>at bedtime</source>
        <translation>睡前</translation>
    </message>
    <message>
        <source>at any time</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>by mouth</source>
        <translation>口服</translation>
    </message>
    <message>
        <source>on the skin</source>
        <translation>外用</translation>
    </message>
    <message>
        <source>inhaled</source>
        <translation>吸入</translation>
    </message>
    <message>
        <source>under the tongue</source>
        <translation>舌下含服</translation>
    </message>
    <message>
        <source>injection into a muscle</source>
        <translation>肌肉注射</translation>
    </message>
    <message>
        <source>injection into a vein</source>
        <translation>靜脈注射</translation>
    </message>
    <message>
        <source>injection under the skin</source>
        <translation>皮下注射</translation>
    </message>
    <message>
        <source>in the eye</source>
        <translation>點眼</translation>
    </message>
    <message>
        <source>in the ear</source>
        <translation>點耳</translation>
    </message>
    <message>
        <source>in the nose</source>
        <translation>滴鼻</translation>
    </message>
    <message>
        <source>rectal</source>
        <translation>直腸給藥</translation>
    </message>
</context>
<context>
    <name>PrescriptionDialog</name>
    <message>
        <source>New prescription</source>
        <translation>新增處方</translation>
    </message>
    <message>
        <source>Drug</source>
        <translation>藥品</translation>
    </message>
    <message>
        <source>Strength</source>
        <translation>規格</translation>
    </message>
    <message>
        <source>Dose</source>
        <translation>劑量</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>給藥途徑</translation>
    </message>
    <message>
        <source>How often</source>
        <translation>頻次</translation>
    </message>
    <message>
        <source>When</source>
        <translation>服用時間</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>天數</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>總量</translation>
    </message>
    <message>
        <source>Cautions</source>
        <translation>注意事項</translation>
    </message>
    <message>
        <source>drug name</source>
        <translation>藥品名稱</translation>
    </message>
    <message>
        <source>Remove this line</source>
        <translation>刪除此行</translation>
    </message>
    <message>
        <source>Add a line</source>
        <translation>新增一行</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>檢查</translation>
    </message>
    <message>
        <source>Check the drugs against the allergies and current medication</source>
        <translation>對照過敏史與目前用藥檢查所開藥品</translation>
    </message>
    <message>
        <source>Notes (optional)</source>
        <translation>備註（選填）</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警示</translation>
    </message>
    <message>
        <source>The interaction table covers only common drugs and well-known interactions. It is NOT a complete reference: no warning does not mean a combination is safe.</source>
        <translation>交互作用表僅涵蓋常用藥品和廣為人知的交互作用，並不是完整的參考資料：沒有警示並不代表併用就是安全的。</translation>
    </message>
    <message>
        <source>I have considered these warnings</source>
        <translation>我已考量這些警示</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <source>Why prescribe despite the warnings</source>
        <translation>儘管有警示仍開立處方的原因</translation>
    </message>
    <message>
        <source>Allergies: {list}</source>
        <translation>過敏史：{list}</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>過敏史：尚無紀錄。請詢問病患。</translation>
    </message>
    <message>
        <source>— choose —</source>
        <translation>— 請選擇 —</translation>
    </message>
    <message>
        <source>At most {n} lines fit one prescription.</source>
        <translation>一張處方最多只能有 {n} 項藥品。</translation>
    </message>
    <message>
        <source>No warnings found in the table.</source>
        <translation>交互作用表中未發現警示。</translation>
    </message>
    <message>
        <source>Not checked yet. Press Check, or Save (which checks first).</source>
        <translation>尚未檢查。請按「檢查」，或按「儲存」（儲存前會先檢查）。</translation>
    </message>
    <message numerus="yes">
        <source>%n warning(s): read them before saving.</source>
        <translation>
            <numerusform>共 %n 則警示：請在儲存前閱讀。</numerusform>
        </translation>
    </message>
    <message>
        <source>Type at least one drug.</source>
        <translation>請至少輸入一種藥品。</translation>
    </message>
    <message>
        <source>Nothing was saved yet. Read the warnings, then press Save again.</source>
        <translation>尚未儲存任何內容。請閱讀警示，然後再按一次「儲存」。</translation>
    </message>
    <message>
        <source>Nothing was saved: there is a major interaction or an allergy warning. To prescribe anyway, tick “I have considered these warnings” and give the reason.</source>
        <translation>未儲存：有嚴重交互作用或過敏警示。如仍要開立，請勾選「我已考量這些警示」並填寫原因。</translation>
    </message>
    <message>
        <source>Nothing was saved: type the reason for prescribing despite the warnings.</source>
        <translation>未儲存：請填寫儘管有警示仍開立處方的原因。</translation>
    </message>
</context>
<context>
    <name>PrescriptionsTab</name>
    <message>
        <source>Prescriptions</source>
        <translation>處方</translation>
    </message>
    <message>
        <source>New prescription…</source>
        <translation>開立處方…</translation>
    </message>
    <message>
        <source>Cancel prescription…</source>
        <translation>作廢處方…</translation>
    </message>
    <message>
        <source>Record guidance…</source>
        <translation>記錄用藥指導…</translation>
    </message>
    <message>
        <source>Print medication card…</source>
        <translation>列印用藥提醒卡…</translation>
    </message>
    <message>
        <source>The patient&apos;s reminder card: each drug, when to take it, and our phone</source>
        <translation>給病患的用藥提醒卡：每種藥品、用藥時間及診所電話</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Prescriber</source>
        <translation>處方醫師</translation>
    </message>
    <message>
        <source>Drugs</source>
        <translation>藥品</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警示</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n 天</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n serious warning(s), confirmed</source>
        <translation>
            <numerusform>%n 則嚴重警示（已確認）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n warning(s)</source>
        <translation>
            <numerusform>%n 則警示</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelled {when}</source>
        <translation>已於 {when} 作廢</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>已開立</translation>
    </message>
    <message>
        <source>No prescriptions yet.</source>
        <translation>尚無處方。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>載入中…</translation>
    </message>
    <message>
        <source>Prescription of {when} by {who}</source>
        <translation>{who} 於 {when} 開立的處方</translation>
    </message>
    <message>
        <source>Cancelled {when}. Reason: {reason}</source>
        <translation>已於 {when} 作廢。原因：{reason}</translation>
    </message>
    <message>
        <source>quantity {q}</source>
        <translation>總量 {q}</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Warnings shown when it was written</source>
        <translation>開立時顯示的警示</translation>
    </message>
    <message>
        <source>Prescribed anyway. Reason: {reason}</source>
        <translation>已確認仍開立。原因：{reason}</translation>
    </message>
    <message>
        <source>Pharmacist guidance</source>
        <translation>藥師用藥指導</translation>
    </message>
    <message>
        <source>None recorded yet.</source>
        <translation>尚無紀錄。</translation>
    </message>
    <message>
        <source>Choose a prescription in the list first.</source>
        <translation>請先在清單中選擇一張處方。</translation>
    </message>
    <message>
        <source>Cancel prescription</source>
        <translation>作廢處方</translation>
    </message>
    <message>
        <source>Why is this prescription cancelled? It is kept in the record, marked cancelled, and its drugs leave the current medication list.</source>
        <translation>為什麼要作廢這張處方？處方會保留在病歷中並標示為已作廢，其中的藥品將從目前用藥清單中移除。</translation>
    </message>
    <message>
        <source>This prescription was cancelled: choose a current one to print its card.</source>
        <translation>此處方已作廢：請選擇一張有效的處方來列印提醒卡。</translation>
    </message>
    <message>
        <source>Record guidance</source>
        <translation>記錄用藥指導</translation>
    </message>
    <message>
        <source>What the patient was told</source>
        <translation>向病患說明的內容</translation>
    </message>
    <message>
        <source>How to take the medicines, what to watch for, what to avoid.</source>
        <translation>如何服藥、需要留意什麼、應避免什麼。</translation>
    </message>
</context>
<context>
    <name>PrintDocuments</name>
    <message>
        <source>Appointment slip</source>
        <translation>預約單</translation>
    </message>
    <message>
        <source>First-visit information</source>
        <translation>初診須知</translation>
    </message>
    <message>
        <source>Contact card</source>
        <translation>連心卡</translation>
    </message>
    <message>
        <source>Membership card</source>
        <translation>會員卡</translation>
    </message>
    <message>
        <source>Follow-up call record</source>
        <translation>電話回訪表</translation>
    </message>
    <message>
        <source>Referral letter</source>
        <translation>轉診單</translation>
    </message>
    <message>
        <source>Medication card</source>
        <translation>用藥提醒卡</translation>
    </message>
</context>
<context>
    <name>PrintLabels</name>
    <message>
        <source>Medication reminder card</source>
        <translation>用藥提醒卡</translation>
    </message>
    <message>
        <source>Medication reminder card (large print)</source>
        <translation>用藥提醒卡（大字版）</translation>
    </message>
    <message>
        <source>{title} (continued)</source>
        <translation>{title}（續）</translation>
    </message>
    <message>
        <source>Card {n} / {total}</source>
        <translation>第 {n} / {total} 張</translation>
    </message>
    <message>
        <source>{year}-{month:02d}-{day:02d}</source>
        <translation>{year}年{month:02d}月{day:02d}日</translation>
    </message>
    <message>
        <source>Issued {date}</source>
        <translation>開立日期：{date}</translation>
    </message>
    <message>
        <source>Issued {date} by {doctor}</source>
        <translation>開立日期：{date}&#x3000;醫師：{doctor}</translation>
    </message>
    <message>
        <source>Medicine</source>
        <translation>藥品</translation>
    </message>
    <message>
        <source>{dose} each time</source>
        <translation>每次 {dose}</translation>
    </message>
    <message>
        <source>for {n} days</source>
        <translation>共 {n} 天</translation>
    </message>
    <message>
        <source>for 1 day</source>
        <translation>共 1 天</translation>
    </message>
    <message>
        <source>Caution: {text}</source>
        <translation>注意：{text}</translation>
    </message>
    <message>
        <source>Questions? Call {phone}</source>
        <translation>如有疑問，請致電 {phone}</translation>
    </message>
    <message>
        <source>Appointment slip</source>
        <translation>預約單</translation>
    </message>
    <message>
        <source>{name}, your appointment is:</source>
        <translation>{name}，您的預約時間為：</translation>
    </message>
    <message>
        <source>{weekday} {year}-{month:02d}-{day:02d}</source>
        <translation>{year}年{month:02d}月{day:02d}日 {weekday}</translation>
    </message>
    <message>
        <source>{n} minutes</source>
        <translation>約 {n} 分鐘</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地點</translation>
    </message>
    <message>
        <source>For</source>
        <translation>就診事項</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病歷號</translation>
    </message>
    <message>
        <source>Please bring</source>
        <translation>請攜帶</translation>
    </message>
    <message>
        <source>Your ID card, your medical insurance card, and the medicines you take now.</source>
        <translation>身分證、健保卡，以及您目前正在使用的藥品。</translation>
    </message>
    <message>
        <source>To change or cancel</source>
        <translation>如需改約或取消</translation>
    </message>
    <message>
        <source>Call us on {phone} before {time} the day before.</source>
        <translation>請於看診前一天 {time} 前致電 {phone}。</translation>
    </message>
    <message>
        <source>Call us on {phone} as early as you can.</source>
        <translation>請盡早致電 {phone}。</translation>
    </message>
    <message>
        <source>Tell the front desk before {time} the day before.</source>
        <translation>請於看診前一天 {time} 前告知櫃檯。</translation>
    </message>
    <message>
        <source>Tell the front desk as early as you can.</source>
        <translation>請盡早告知櫃檯。</translation>
    </message>
    <message>
        <source>This is your first visit: please come a little early to register.</source>
        <translation>您是初診：請稍微提早抵達，以便辦理掛號。</translation>
    </message>
    <message>
        <source>Phone {phone}</source>
        <translation>電話 {phone}</translation>
    </message>
    <message>
        <source>Your first visit</source>
        <translation>初診須知</translation>
    </message>
    <message>
        <source>Welcome, {name}.</source>
        <translation>{name}，歡迎您。</translation>
    </message>
    <message>
        <source>Welcome to {clinic}.</source>
        <translation>歡迎您來到{clinic}。</translation>
    </message>
    <message>
        <source>Your appointment</source>
        <translation>您的預約</translation>
    </message>
    <message>
        <source>{day} {time}, {doctor}</source>
        <translation>{day} {time}，{doctor}醫師</translation>
    </message>
    <message>
        <source>{day} {time}</source>
        <translation>{day} {time}</translation>
    </message>
    <message>
        <source>{first}–{last}</source>
        <translation>{first}至{last}</translation>
    </message>
    <message>
        <source>How to find us</source>
        <translation>如何抵達本診所</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Opening hours</source>
        <translation>門診時間</translation>
    </message>
    <message>
        <source>Parking and what to bring</source>
        <translation>停車及需攜帶的物品</translation>
    </message>
    <message>
        <source>Questions? Call us on {phone}.</source>
        <translation>如有疑問，請致電 {phone}。</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>第 {n} 頁，共 {total} 頁</translation>
    </message>
    <message>
        <source>Contact card</source>
        <translation>連心卡</translation>
    </message>
    <message>
        <source>For {name}</source>
        <translation>致{name}</translation>
    </message>
    <message>
        <source>Your doctor: {name}</source>
        <translation>您的醫師：{name}</translation>
    </message>
    <message>
        <source>Call us whenever you have a question about your health or your visit.</source>
        <translation>如對您的健康或看診有任何疑問，歡迎隨時來電詢問。</translation>
    </message>
    <message>
        <source>Scan to save our contact</source>
        <translation>掃描儲存本診所聯絡資訊</translation>
    </message>
    <message>
        <source>Membership card</source>
        <translation>會員卡</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>會員</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>卡號</translation>
    </message>
    <message>
        <source>Valid until {date}</source>
        <translation>有效期限至 {date}</translation>
    </message>
    <message>
        <source>Valid {first} to {last}</source>
        <translation>有效期限 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Member benefits</source>
        <translation>會員權益</translation>
    </message>
    <message>
        <source>{label}: {n} a year</source>
        <translation>{label}：每年 {n} 次</translation>
    </message>
    <message>
        <source>{label}: {n} every {count} years</source>
        <translation>{label}：每 {count} 年 {n} 次</translation>
    </message>
    <message>
        <source>{label}: {n} a month</source>
        <translation>{label}：每月 {n} 次</translation>
    </message>
    <message>
        <source>{label}: {n} every {count} months</source>
        <translation>{label}：每 {count} 個月 {n} 次</translation>
    </message>
    <message>
        <source>Present this card at the desk.</source>
        <translation>請於櫃檯出示本卡。</translation>
    </message>
    <message>
        <source>Cut out along the corner marks, fold on the marks in the middle, and laminate.</source>
        <translation>沿四角的裁切標記剪下，沿中間的摺線標記對摺，然後護貝。</translation>
    </message>
    <message>
        <source>Follow-up call record</source>
        <translation>電話回訪表</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患資料</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>電話回訪</translation>
    </message>
    <message>
        <source>Supervisor&apos;s spot check</source>
        <translation>主管抽查</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年齡</translation>
    </message>
    <message>
        <source>Discharge or end of treatment</source>
        <translation>出院／治療結束日期</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>診斷</translation>
    </message>
    <message>
        <source>Outpatient or inpatient no.</source>
        <translation>門診號／住院號</translation>
    </message>
    <message>
        <source>Called by</source>
        <translation>回訪人</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科別</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Notes of the call</source>
        <translation>回訪內容</translation>
    </message>
    <message>
        <source>Checked by</source>
        <translation>抽查人</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>評價</translation>
    </message>
    <message>
        <source>Referral letter</source>
        <translation>轉診單</translation>
    </message>
    <message>
        <source>To</source>
        <translation>轉診至</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>緊急程度</translation>
    </message>
    <message>
        <source>Urgency: {urgency}. Please see this patient promptly.</source>
        <translation>緊急程度：{urgency}。請盡快為此病患診治。</translation>
    </message>
    <message>
        <source>Dear colleague,</source>
        <translation>醫師您好：</translation>
    </message>
    <message>
        <source>We refer the patient below to you and thank you for seeing them.</source>
        <translation>茲將下列病患轉診至貴院，感謝您的診治。</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>{date} (age {age})</source>
        <translation>{date}（{age} 歲）</translation>
    </message>
    <message>
        <source>Our record no.</source>
        <translation>本診所病歷號</translation>
    </message>
    <message>
        <source>Reason for referral</source>
        <translation>轉診原因</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>過敏史</translation>
    </message>
    <message>
        <source>No allergies recorded.</source>
        <translation>未記錄過敏史。</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>目前用藥</translation>
    </message>
    <message>
        <source>None recorded.</source>
        <translation>無紀錄。</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>病情摘要</translation>
    </message>
    <message>
        <source>Enclosed</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>Referring doctor</source>
        <translation>轉診醫師</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>簽名</translation>
    </message>
</context>
<context>
    <name>Printouts</name>
    <message>
        <source>Outcome</source>
        <translation>結果</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>恢復情況</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>用藥情況</translation>
    </message>
    <message>
        <source>Satisfaction (1-5)</source>
        <translation>滿意度（1-5）</translation>
    </message>
    <message>
        <source>Nurse and doctor followed up</source>
        <translation>護理師和醫師已回訪</translation>
    </message>
    <message>
        <source>In the patient&apos;s words</source>
        <translation>病患原話</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>意見建議</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>overall</source>
        <translation>整體</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>staff</source>
        <translation>工作人員</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>候診</translation>
    </message>
    <message>
        <source>environment</source>
        <translation>環境</translation>
    </message>
</context>
<context>
    <name>QualityChart</name>
    <message>
        <source>No data</source>
        <translation>無數據</translation>
    </message>
    <message>
        <source>{value} min</source>
        <translation>{value} 分鐘</translation>
    </message>
    <message>
        <source>counted: {n}</source>
        <translation>計數：{n}</translation>
    </message>
    <message>
        <source>target: {target}</source>
        <translation>目標：{target}</translation>
    </message>
</context>
<context>
    <name>QualityPage</name>
    <message>
        <source>Complaints</source>
        <translation>投訴</translation>
    </message>
    <message>
        <source>Root causes</source>
        <translation>根因分析</translation>
    </message>
    <message>
        <source>Training cases</source>
        <translation>培訓案例</translation>
    </message>
    <message>
        <source>Surveys</source>
        <translation>滿意度調查</translation>
    </message>
    <message>
        <source>Self-check</source>
        <translation>每日自查</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>品質看板</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>報告</translation>
    </message>
</context>
<context>
    <name>QualityReport</name>
    <message>
        <source>Weekly complaint feedback</source>
        <translation>投訴週回饋</translation>
    </message>
    <message>
        <source>Monthly quality analysis</source>
        <translation>月度品質分析報告</translation>
    </message>
    <message>
        <source>Quarterly quality summary</source>
        <translation>季度品質彙總</translation>
    </message>
    <message>
        <source>Yearly quality summary</source>
        <translation>年度品質彙總</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} 分鐘</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>達標</translation>
    </message>
    <message>
        <source>Not met</source>
        <translation>未達標</translation>
    </message>
    <message>
        <source>Figures against their targets</source>
        <translation>指標達標情況</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指標</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>實際值</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目標</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>是否達標</translation>
    </message>
    <message>
        <source>Counted</source>
        <translation>統計數</translation>
    </message>
    <message>
        <source>Target {value}</source>
        <translation>目標 {value}</translation>
    </message>
    <message>
        <source>Trend over 12 months</source>
        <translation>近 12 個月趨勢</translation>
    </message>
    <message>
        <source>No data</source>
        <translation>無資料</translation>
    </message>
    <message>
        <source>(confidential)</source>
        <translation>（保密）</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已結案</translation>
    </message>
    <message>
        <source>Open, overdue</source>
        <translation>處理中，已逾時</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>處理中</translation>
    </message>
    <message>
        <source>serious</source>
        <translation>嚴重</translation>
    </message>
    <message>
        <source>Complaint cases</source>
        <translation>投訴明細</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>編號</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>來源</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科別</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Gist</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>No complaints were received.</source>
        <translation>本期未收到投訴。</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>已答覆</translation>
    </message>
    <message>
        <source>awaiting an answer</source>
        <translation>待答覆</translation>
    </message>
    <message>
        <source>Suggestions forwarded to departments</source>
        <translation>轉知科別的建議</translation>
    </message>
    <message>
        <source>No suggestions were forwarded.</source>
        <translation>本期沒有轉知的建議。</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>late</source>
        <translation>逾期</translation>
    </message>
    <message>
        <source>Root-cause analyses (5 Whys)</source>
        <translation>根因分析（5 Why）</translation>
    </message>
    <message>
        <source>Found</source>
        <translation>發現日期</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>根本原因</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>改進措施</translation>
    </message>
    <message>
        <source>No root-cause analysis in this period.</source>
        <translation>本期沒有根因分析。</translation>
    </message>
    <message>
        <source>{name}: {n} days missing</source>
        <translation>{name}：{n} 天未交</translation>
    </message>
    <message>
        <source>Daily self-checks missing</source>
        <translation>未交每日自查</translation>
    </message>
    <message>
        <source>Every self-check was done.</source>
        <translation>每日自查均已完成。</translation>
    </message>
    <message>
        <source>Figures per month</source>
        <translation>各月指標</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>本期</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投訴</translation>
    </message>
    <message>
        <source>Closed in the period</source>
        <translation>本期結案</translation>
    </message>
    <message>
        <source>Received and still open</source>
        <translation>本期收到且未結案</translation>
    </message>
    <message>
        <source>Open and overdue</source>
        <translation>未結案且已逾時</translation>
    </message>
    <message>
        <source>Open now (all periods)</source>
        <translation>目前未結案（所有期間）</translation>
    </message>
    <message>
        <source>Serious, not yet seen by the director</source>
        <translation>院長未閱的嚴重投訴</translation>
    </message>
    <message>
        <source>Satisfaction this week</source>
        <translation>本週滿意度</translation>
    </message>
    <message>
        <source>Answers counted</source>
        <translation>計入答卷數</translation>
    </message>
    <message>
        <source>Made {time} by {name}</source>
        <translation>由 {name} 於 {time} 產生</translation>
    </message>
    <message>
        <source>Internal quality document: complaint details are confidential.</source>
        <translation>內部品質文件：投訴詳情保密。</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>第 {n} / {total} 頁</translation>
    </message>
</context>
<context>
    <name>QualityReports</name>
    <message>
        <source>Complaints</source>
        <translation>投訴</translation>
    </message>
    <message>
        <source>Survey answers</source>
        <translation>調查答卷</translation>
    </message>
    <message>
        <source>Follow-up calls</source>
        <translation>隨訪電話</translation>
    </message>
    <message>
        <source>Self-checks</source>
        <translation>自查記錄</translation>
    </message>
    <message>
        <source>Root-cause analyses</source>
        <translation>根因分析</translation>
    </message>
    <message>
        <source>Dashboard figures</source>
        <translation>儀表盤指標</translation>
    </message>
</context>
<context>
    <name>QuestionnaireDialog</name>
    <message>
        <source>Questionnaires</source>
        <translation>問卷</translation>
    </message>
    <message>
        <source>New questionnaire</source>
        <translation>新建問卷</translation>
    </message>
    <message>
        <source>Questionnaire</source>
        <translation>問卷</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>Used for</source>
        <translation>用途</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>代碼</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>類型</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>題目</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>刪除</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>Keys are short codes (a-z, 0-9, _) the answers are stored under; once saved they stay. At least one item must be a 1-5 scale.</source>
        <translation>代碼是保存答案用的短代號（a-z、0-9、_），保存後不可更改。至少要有一道 1-5 分的評分題。</translation>
    </message>
    <message>
        <source>Saved keys cannot change: earlier answers use them</source>
        <translation>已保存的代碼不能更改：以前的答案用到它</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>QueueMessageDialog</name>
    <message>
        <source>Queue a message</source>
        <translation>新增訊息</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>姓名、拼音首字母、電話號碼或病歷號</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>訊息</translation>
    </message>
    <message>
        <source>Appointment</source>
        <translation>預約時間</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>The patient reads</source>
        <translation>病患將看到</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>加入待傳送</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>請先選擇病患：搜尋後選取一位。</translation>
    </message>
</context>
<context>
    <name>RatesPanel</name>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>上月</translation>
    </message>
    <message>
        <source>&amp;Per</source>
        <translation>按(&amp;P)</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科別</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Due: planned follow-ups whose deadline falls in the period, except those ended because the patient died, opted out or the visit was re-categorised. On time: done by the deadline.</source>
        <translation>應回訪：截止日期在本期間內的計畫回訪，不含因病患死亡、拒絕回訪或就診重新分類而終止的回訪。按時：在截止日期前完成。</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>應回訪</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已回訪</translation>
    </message>
    <message>
        <source>Follow-up rate</source>
        <translation>回訪率</translation>
    </message>
    <message>
        <source>On time</source>
        <translation>按時</translation>
    </message>
    <message>
        <source>On-time rate</source>
        <translation>按時率</translation>
    </message>
    <message>
        <source>(no doctor recorded)</source>
        <translation>（未記錄醫師）</translation>
    </message>
    <message>
        <source>(no department)</source>
        <translation>（無科別）</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>No follow-ups were due in this period.</source>
        <translation>本期間內沒有應回訪的紀錄。</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Suspend membership {card}</source>
        <translation>暫停會員卡 {card}</translation>
    </message>
    <message>
        <source>While suspended no benefit can be used. When it is resumed, its end moves on by the days it was suspended.</source>
        <translation>暫停期間無法使用任何權益。恢復後，到期日依暫停的天數順延。</translation>
    </message>
    <message>
        <source>Cancel membership {card}</source>
        <translation>註銷會員卡 {card}</translation>
    </message>
    <message>
        <source>Cancelling ends the membership for good: the card stops working today. Record a refund if money goes back to the payer.</source>
        <translation>註銷將永久終止該會員資格，會員卡即日起失效。如有款項退還給付款人，請登記退款。</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
</context>
<context>
    <name>ReassignDialog</name>
    <message>
        <source>Reassign the call</source>
        <translation>轉派回訪</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>回訪人</translation>
    </message>
    <message>
        <source>No one in particular: anyone in {role}</source>
        <translation>不指定：{role}中任何人皆可</translation>
    </message>
</context>
<context>
    <name>Reception</name>
    <message>
        <source>Waiting</source>
        <translation>候診中</translation>
    </message>
    <message>
        <source>Called</source>
        <translation>已叫號</translation>
    </message>
    <message>
        <source>In consultation</source>
        <translation>看診中</translation>
    </message>
    <message>
        <source>Back at the desk</source>
        <translation>已回櫃檯</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Left</source>
        <translation>已離開</translation>
    </message>
    <message>
        <source>Explained the reason for the wait</source>
        <translation>已說明候診原因</translation>
    </message>
    <message>
        <source>Offered a drink</source>
        <translation>已提供飲水</translation>
    </message>
    <message>
        <source>Offered priority for an examination</source>
        <translation>已提供優先檢查</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>繳費</translation>
    </message>
    <message>
        <source>Examination or test</source>
        <translation>檢查或檢驗</translation>
    </message>
    <message>
        <source>Collect medicine</source>
        <translation>領藥</translation>
    </message>
    <message>
        <source>Fever</source>
        <translation>發燒</translation>
    </message>
    <message>
        <source>Cough or cold</source>
        <translation>咳嗽或感冒</translation>
    </message>
    <message>
        <source>Stomach or bowel</source>
        <translation>腸胃不適</translation>
    </message>
    <message>
        <source>Skin</source>
        <translation>皮膚問題</translation>
    </message>
    <message>
        <source>Child illness</source>
        <translation>兒童疾病</translation>
    </message>
    <message>
        <source>Chronic disease follow-up</source>
        <translation>慢性病回診</translation>
    </message>
    <message>
        <source>Check-up</source>
        <translation>健檢</translation>
    </message>
    <message>
        <source>Injury</source>
        <translation>外傷</translation>
    </message>
    <message>
        <source>Women&apos;s health</source>
        <translation>婦科</translation>
    </message>
</context>
<context>
    <name>ReceptionBadge</name>
    <message>
        <source>Child</source>
        <extracomment>short labels for the special-need badges (B6); long ones are in registry_rules</extracomment>
        <translation>兒童</translation>
    </message>
    <message>
        <source>Senior</source>
        <translation>長者</translation>
    </message>
    <message>
        <source>Disability</source>
        <translation>身障</translation>
    </message>
    <message>
        <source>Escort</source>
        <translation>陪同</translation>
    </message>
</context>
<context>
    <name>ReceptionPage</name>
    <message>
        <source>Find the patient: name, pinyin initials (zs), phone digits… then Enter</source>
        <extracomment>queue statuses the desk still acts on (not done, not gone) booked rows the desk can check in (arrived: marked on the calendar, not queued yet) show something on another page: (feature key, target), e.g. (&quot;calendar&quot;, (day, doctor))</extracomment>
        <translation>搜尋病患：姓名、拼音首字母（zs）、電話號碼…，然後按 Enter</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>全部醫師</translation>
    </message>
    <message>
        <source>Walk-in…</source>
        <translation>現場掛號…</translation>
    </message>
    <message>
        <source>Queue a patient without an appointment (Ctrl+N)</source>
        <translation>為未預約的病患現場掛號（Ctrl+N）</translation>
    </message>
    <message>
        <source>Day&apos;s end…</source>
        <translation>日終核對…</translation>
    </message>
    <message>
        <source>Who is still waiting or with the doctor; mark the no-shows</source>
        <translation>查看仍在候診或看診中的病患，並標記未到診</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>報到</translation>
    </message>
    <message>
        <source>Check in the selected patient (Enter)</source>
        <translation>為選取的病患辦理報到（Enter）</translation>
    </message>
    <message>
        <source>Handle wait alert…</source>
        <translation>處理候診逾時…</translation>
    </message>
    <message>
        <source>Green channel…</source>
        <translation>綠色通道…</translation>
    </message>
    <message>
        <source>An emergency: first in the doctor&apos;s queue</source>
        <translation>急症：排到該醫師候診名單的最前面</translation>
    </message>
    <message>
        <source>Back to the queue</source>
        <translation>返回候診</translation>
    </message>
    <message>
        <source>Left without being seen</source>
        <translation>未看診離開</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>號碼</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>預約時間</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候診時間</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>特殊需求</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Updated {time}</source>
        <translation>更新於 {time}</translation>
    </message>
    <message>
        <source>{expected} expected · {waiting} waiting · {consulting} in consultation · {done} done</source>
        <translation>待報到 {expected} · 候診 {waiting} · 看診中 {consulting} · 已完成 {done}</translation>
    </message>
    <message>
        <source>Nobody is expected or waiting today yet.</source>
        <translation>今天尚無待報到或候診的病患。</translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n waiting longer than {minutes} min</source>
        <translation>
            <numerusform>⚠ %n 人候診超過 {minutes} 分鐘</numerusform>
        </translation>
    </message>
    <message>
        <source>Expected</source>
        <translation>待報到</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} 分鐘</translation>
    </message>
    <message>
        <source>✚ Green channel: {reason}</source>
        <translation>✚ 綠色通道：{reason}</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>現場掛號</translation>
    </message>
    <message>
        <source>Wait explained</source>
        <translation>已說明候診原因</translation>
    </message>
    <message>
        <source>Checked in late</source>
        <translation>報到延遲</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>不限醫師</translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>病歷號 {no}</translation>
    </message>
    <message>
        <source>no appointment today · Enter: walk-in</source>
        <translation>今天無預約 · Enter：現場掛號</translation>
    </message>
    <message>
        <source>{time} with {doctor} · Enter: check in</source>
        <translation>{time} 預約{doctor} · Enter：報到</translation>
    </message>
    <message>
        <source>No. {no}, {status}</source>
        <translation>{no} 號，{status}</translation>
    </message>
    <message>
        <source>Already in the queue: No. {no} ({status}).</source>
        <translation>已在候診名單中：{no} 號（{status}）。</translation>
    </message>
    <message>
        <source>No. {no} left without seeing the doctor. A note for the record (optional), e.g. what the patient said:</source>
        <translation>{no} 號未看診即離開。可填寫備註留存紀錄（選填），例如病患說了什麼：</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <source>New recovery key</source>
        <translation>新的復原金鑰</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>診所通關密語</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>產生新金鑰</translation>
    </message>
    <message>
        <source>I have written it down</source>
        <translation>我已抄寫下來</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s new recovery key. Write it down or print it now and keep it locked away: it is shown only this once. The old recovery key no longer opens the clinic (backups made before today still open with the old key).</source>
        <translation>這是診所新的復原金鑰。請立即抄寫或列印，並上鎖保管：它只會顯示這一次。舊的復原金鑰已無法開啟診所（今天以前建立的備份仍需使用舊金鑰開啟）。</translation>
    </message>
    <message>
        <source>A new recovery key replaces the old one at once: the old key stops working. Do this if the printed key was lost or seen by someone else. Type the clinic passphrase to continue.</source>
        <translation>新的復原金鑰會立即取代舊金鑰，舊金鑰隨即失效。如果列印的金鑰已遺失或被他人看到，請執行此操作。請輸入診所通關密語以繼續。</translation>
    </message>
    <message>
        <source>Type the clinic passphrase.</source>
        <translation>請輸入診所通關密語。</translation>
    </message>
    <message>
        <source>Making the new key…</source>
        <translation>正在產生新金鑰…</translation>
    </message>
</context>
<context>
    <name>RecoveryKit</name>
    <message>
        <source>ClinicDesk recovery kit</source>
        <translation>ClinicDesk 復原金鑰單</translation>
    </message>
    <message>
        <source>Recovery key for the clinic&apos;s encrypted data</source>
        <translation>診所加密資料的復原金鑰</translation>
    </message>
    <message>
        <source>What this key is for</source>
        <translation>這個金鑰的用途</translation>
    </message>
    <message>
        <source>This key opens the clinic&apos;s encrypted data on a new computer, or when the clinic passphrase has been forgotten. Whoever holds it can open every patient record, so guard it as carefully as the passphrase.</source>
        <translation>在新電腦上，或忘記診所通關密語時，可用此金鑰開啟診所的加密資料。持有它的人可以開啟所有病患紀錄，因此請像保管通關密語一樣妥善保管它。</translation>
    </message>
    <message>
        <source>How to keep it</source>
        <translation>如何保管</translation>
    </message>
    <message>
        <source>Keep it on paper, in a locked place away from the computer, such as a locked drawer or a safe.</source>
        <translation>請以紙本保存，放在遠離電腦、可上鎖的地方，例如上鎖的抽屜或保險箱。</translation>
    </message>
    <message>
        <source>Never photograph it, scan it, email it or send it in a chat message.</source>
        <translation>切勿拍照、掃描、以電子郵件寄送，或在聊天訊息中傳送。</translation>
    </message>
    <message>
        <source>If this page was saved as a file, delete the file once the page is printed.</source>
        <translation>如果此頁已另存為檔案，請在列印後刪除該檔案。</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone, including ClinicDesk&apos;s makers.</source>
        <translation>如果通關密語、此復原金鑰以及所有電腦上儲存的金鑰全部遺失，診所資料將無法由任何人復原，包括 ClinicDesk 的開發者。</translation>
    </message>
    <message>
        <source>Stored by {name} on {date}</source>
        <translation>保管人：{name}&#x3000;日期：{date}</translation>
    </message>
    <message>
        <source>Clinic</source>
        <translation>診所</translation>
    </message>
    <message>
        <source>Clinic ID</source>
        <translation>診所 ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>建立時間</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>復原金鑰</translation>
    </message>
    <message>
        <source>The key has no letters I, L, O or U: 0 is zero and 1 is one.</source>
        <translation>金鑰中沒有字母 I、L、O 或 U：0 是數字零，1 是數字一。</translation>
    </message>
</context>
<context>
    <name>RecoveryKitPage</name>
    <message>
        <source>Recovery kit - {clinic}</source>
        <translation>復原金鑰單 - {clinic}</translation>
    </message>
    <message>
        <source>Recovery kit</source>
        <translation>復原金鑰單</translation>
    </message>
    <message>
        <source>Preparing the recovery kit…</source>
        <translation>正在準備復原金鑰單…</translation>
    </message>
    <message>
        <source>Saved as {path}. Print it, keep the paper somewhere safe, then delete the file.</source>
        <translation>已儲存為 {path}。請列印出來，將紙本存放在安全的地方，然後刪除該檔案。</translation>
    </message>
    <message>
        <source>The recovery kit was sent to the printer.</source>
        <translation>復原金鑰單已傳送到印表機。</translation>
    </message>
    <message>
        <source>The recovery kit</source>
        <translation>復原金鑰單</translation>
    </message>
    <message>
        <source>This is the recovery key of this computer&apos;s copy of the clinic&apos;s data. It opens the copy if this computer&apos;s passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>這是這台電腦診所資料副本的復原金鑰。忘記這台電腦的通關密語時，可用它開啟這份副本。它只在此時顯示：請列印復原金鑰單，或另存為 PDF 並儘快列印。</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s recovery key. It opens the clinic&apos;s data if the passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>這是診所的復原金鑰。忘記通關密語時，可用它開啟診所資料。它只在此時顯示：請列印復原金鑰單，或另存為 PDF 並儘快列印。</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone.</source>
        <translation>如果通關密語、此復原金鑰以及所有電腦上儲存的金鑰全部遺失，診所資料將無法由任何人復原。</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存為 PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>列印…</translation>
    </message>
    <message>
        <source>I have printed or saved the recovery kit and will keep it somewhere safe</source>
        <translation>我已列印或儲存復原金鑰單，並會將其存放在安全的地方</translation>
    </message>
</context>
<context>
    <name>ReferOutDialog</name>
    <message>
        <source>Refer to a hospital</source>
        <translation>轉診至醫院</translation>
    </message>
    <message>
        <source>Hospital or clinic</source>
        <translation>醫院或診所</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科別</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>緊急程度</translation>
    </message>
    <message>
        <source>Reason for referral</source>
        <translation>轉診原因</translation>
    </message>
    <message>
        <source>Summary for the hospital</source>
        <translation>給醫院的病情摘要</translation>
    </message>
    <message>
        <source>Drafting the summary from the record…</source>
        <translation>正在根據病歷產生摘要草稿…</translation>
    </message>
</context>
<context>
    <name>Referral</name>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>未註明</translation>
    </message>
    <message>
        <source>emergency</source>
        <translation>急診</translation>
    </message>
    <message>
        <source>urgent</source>
        <translation>緊急</translation>
    </message>
    <message>
        <source>routine</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>open</source>
        <translation>待處理</translation>
    </message>
    <message>
        <source>handled</source>
        <translation>已處理</translation>
    </message>
    <message>
        <source>None recorded.</source>
        <translation>無紀錄。</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>BP</source>
        <translation>血壓</translation>
    </message>
    <message>
        <source>Referral summary</source>
        <translation>轉診摘要</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>過敏史</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>目前用藥</translation>
    </message>
    <message>
        <source>Chronic conditions</source>
        <translation>慢性病</translation>
    </message>
    <message>
        <source>Recent visits</source>
        <translation>近期就診</translation>
    </message>
    <message>
        <source>Latest vital signs</source>
        <translation>最近生命徵象</translation>
    </message>
    <message>
        <source>Pulse</source>
        <translation>脈搏</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>體溫</translation>
    </message>
    <message>
        <source>SpO2</source>
        <translation>血氧</translation>
    </message>
    <message>
        <source>Respiration</source>
        <translation>呼吸</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>體重</translation>
    </message>
    <message>
        <source>Glucose</source>
        <translation>血糖</translation>
    </message>
</context>
<context>
    <name>ReferralsTab</name>
    <message>
        <source>Referrals</source>
        <translation>轉診</translation>
    </message>
    <message>
        <source>Refer to a hospital…</source>
        <translation>轉診至醫院…</translation>
    </message>
    <message>
        <source>Log an incoming referral…</source>
        <translation>登錄轉入轉診…</translation>
    </message>
    <message>
        <source>Mark handled</source>
        <translation>標示為已處理</translation>
    </message>
    <message>
        <source>Print referral letter…</source>
        <translation>列印轉診單…</translation>
    </message>
    <message>
        <source>The letter for the hospital: reason, allergies, medication and summary</source>
        <translation>交給醫院的轉診單：轉診原因、過敏史、用藥和病情摘要</translation>
    </message>
    <message>
        <source>Only referrals to this clinic are listed here; the reasons and summaries are part of the clinical record.</source>
        <translation>此處僅列出轉入本診所的轉診；轉診原因與摘要屬於臨床病歷的一部分。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>轉診方向</translation>
    </message>
    <message>
        <source>Hospital or clinic</source>
        <translation>醫院或診所</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科別</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>緊急程度</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation>轉診來源</translation>
    </message>
    <message>
        <source>To them</source>
        <translation>轉出</translation>
    </message>
    <message>
        <source>To us</source>
        <translation>轉入</translation>
    </message>
    <message>
        <source>No referrals recorded.</source>
        <translation>尚無轉診紀錄。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>載入中…</translation>
    </message>
    <message>
        <source>Referred to {partner} on {when}</source>
        <translation>{when} 轉診至 {partner}</translation>
    </message>
    <message>
        <source>Referred to us by {partner} on {when}</source>
        <translation>{when} 由 {partner} 轉入本診所</translation>
    </message>
    <message>
        <source>handled {when}</source>
        <translation>{when} 已處理</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Log an incoming referral</source>
        <translation>登錄轉入轉診</translation>
    </message>
    <message>
        <source>Referring clinic</source>
        <translation>轉診來源院所</translation>
    </message>
    <message>
        <source>Reason, as the referring clinic wrote it</source>
        <translation>轉診原因（依來源院所的原文填寫）</translation>
    </message>
    <message>
        <source>The reason goes to the doctor with the record; once saved, the desk sees only who referred the patient and how urgently.</source>
        <translation>轉診原因將隨病歷交給醫師；儲存後，櫃檯只能看到轉診來源和緊急程度。</translation>
    </message>
    <message>
        <source>Choose a referral in the list first.</source>
        <translation>請先在清單中選擇一筆轉診紀錄。</translation>
    </message>
    <message>
        <source>A letter is printed for referrals to a hospital, not for those to us.</source>
        <translation>只有轉出至醫院的轉診才列印轉診單，轉入本診所的不列印。</translation>
    </message>
</context>
<context>
    <name>RemoveMemberDialog</name>
    <message>
        <source>Remove a member from {card}</source>
        <translation>從會員卡 {card} 移除成員</translation>
    </message>
    <message>
        <source>The person leaves today; their past uses stay in the history.</source>
        <translation>此人即日起退出；其以往的權益使用紀錄仍會保留。</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>成員</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Only the payer is on this membership; there is no one to remove.</source>
        <translation>此會員只有付款人一人，沒有可移除的成員。</translation>
    </message>
</context>
<context>
    <name>RenewDialog</name>
    <message>
        <source>Renew membership {card}</source>
        <translation>會員卡 {card} 續費</translation>
    </message>
    <message>
        <source>{tier}, paid by {payer}. The price is that of the tier today.</source>
        <translation>{tier}，付款人：{payer}。依該等級的現行價格收費。</translation>
    </message>
    <message>
        <source>Periods</source>
        <translation>期數</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>付款</translation>
    </message>
    <message>
        <source>This membership lapsed: it ended on {ended}. Renewing starts a new term today, {first} to {last}; the days in between are not covered.</source>
        <translation>該會員已於 {ended} 到期。現在續費，新有效期限從今天開始：{first} 至 {last}；中間這段期間不在有效期限內。</translation>
    </message>
    <message>
        <source>The current term ends on {ended}. The new term runs on from {first} to {last}.</source>
        <translation>目前有效期限至 {ended}。新有效期限接續為 {first} 至 {last}。</translation>
    </message>
</context>
<context>
    <name>ReportsPanel</name>
    <message>
        <source>Quality reports</source>
        <translation>質量報告</translation>
    </message>
    <message>
        <source>Week: complaint feedback</source>
        <translation>周：投訴反饋</translation>
    </message>
    <message>
        <source>Month: analysis for the director</source>
        <translation>月：院長分析報告</translation>
    </message>
    <message>
        <source>Quarter: summary</source>
        <translation>季度：彙總</translation>
    </message>
    <message>
        <source>Year: summary</source>
        <translation>年度：彙總</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>報告</translation>
    </message>
    <message>
        <source>Period holding</source>
        <translation>所在期間包含</translation>
    </message>
    <message>
        <source>Report as PDF</source>
        <translation>PDF 報告</translation>
    </message>
    <message>
        <source>The preview can print the report or save it as a PDF. Complaint details appear only for those who may read them.</source>
        <translation>在預覽中可打印報告或另存為 PDF。投訴詳情只對有權查看的人顯示。</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>預覽…</translation>
    </message>
    <message>
        <source>The figures behind it, as a CSV file</source>
        <translation>報告所依據的數據（CSV 文件）</translation>
    </message>
    <message>
        <source>Table</source>
        <translation>數據表</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>導出 CSV…</translation>
    </message>
    <message>
        <source>{first} to {last}</source>
        <translation>{first} 至 {last}</translation>
    </message>
    <message>
        <source>Weekly complaint feedback {first} to {last}</source>
        <translation>投訴周反饋 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Monthly quality analysis {first} to {last}</source>
        <translation>月度質量分析 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Quarterly quality summary {first} to {last}</source>
        <translation>季度質量彙總 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Yearly quality summary {first} to {last}</source>
        <translation>年度質量彙總 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Building the report…</source>
        <translation>正在生成報告…</translation>
    </message>
    <message>
        <source>Members by tier</source>
        <translation>各等級會員數</translation>
    </message>
    <message>
        <source>Renewals due</source>
        <translation>待續費</translation>
    </message>
    <message>
        <source>Lapsed</source>
        <translation>已過期未續費</translation>
    </message>
    <message>
        <source>Benefit use</source>
        <translation>權益使用情形</translation>
    </message>
    <message>
        <source>Allowances overdrawn</source>
        <translation>超額使用</translation>
    </message>
    <message>
        <source>ending within</source>
        <translation>到期日在</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天內</translation>
    </message>
    <message>
        <source>from</source>
        <translation>從</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>重新整理</translation>
    </message>
    <message>
        <source>Seen</source>
        <translation>已閱</translation>
    </message>
    <message>
        <source>You have looked at this overdraft; it leaves the list</source>
        <translation>您已查看這筆超額使用，它將從清單中移除</translation>
    </message>
    <message>
        <source>Current memberships and the people they cover, today.</source>
        <translation>截至今天的現有會員數及涵蓋人數。</translation>
    </message>
    <message>
        <source>Memberships ending soon and not cancelled: call the payer to renew.</source>
        <translation>即將到期且未註銷的會員：請致電付款人續費。</translation>
    </message>
    <message>
        <source>Ended recently and not renewed; after the grace days set in Settings they leave this list.</source>
        <translation>近期已到期且未續費的會員；超過「設定」中的寬限天數後不再列出。</translation>
    </message>
    <message>
        <source>Benefit uses in the period, undone ones taken off.</source>
        <translation>所選期間內的權益使用次數（已扣除撤銷的使用）。</translation>
    </message>
    <message>
        <source>Two desks working offline can each record the last use of an allowance; after the sync the period holds more than allowed. Look at each, then mark it seen.</source>
        <translation>兩台工作站離線時可能各自登記了同一額度的最後一次使用，同步後該週期的使用次數就會超出額度。請逐筆查看，然後標記為已閱。</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等級</translation>
    </message>
    <message>
        <source>Memberships</source>
        <translation>會員數</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人數</translation>
    </message>
    <message>
        <source>Of them suspended</source>
        <translation>其中暫停</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>付款人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>卡號</translation>
    </message>
    <message>
        <source>Ends on</source>
        <translation>到期日</translation>
    </message>
    <message>
        <source>Days left</source>
        <translation>剩餘天數</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>已過期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>權益</translation>
    </message>
    <message>
        <source>Uses</source>
        <translation>使用次數</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>使用人數</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>週期</translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation>額度</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>已用</translation>
    </message>
    <message>
        <source>Marked as seen.</source>
        <translation>已標記為已閱。</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>導出 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在導出…</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n row(s) of {table} to {path}.</source>
        <translation>
            <numerusform>已將{table}的 %n 行保存到 {path}。</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not write {path}: {reason}. Nothing was saved. Choose a folder you may write to (for example your Documents) and try again.</source>
        <translation>無法寫入 {path}：{reason}。未保存任何內容。請選擇有寫入權限的文件夾（例如“文檔”）後重試。</translation>
    </message>
</context>
<context>
    <name>ReportsTab</name>
    <message>
        <source>Reports and assessments</source>
        <translation>報告與評估</translation>
    </message>
    <message>
        <source>Examination reports and attachments</source>
        <translation>檢查報告與附件</translation>
    </message>
    <message>
        <source>Health assessments</source>
        <translation>健康評估</translation>
    </message>
    <message>
        <source>Add file…</source>
        <translation>新增檔案…</translation>
    </message>
    <message>
        <source>Save a copy…</source>
        <translation>另存副本…</translation>
    </message>
    <message>
        <source>Save a copy of the chosen file to this computer</source>
        <translation>將所選檔案另存一份到這台電腦</translation>
    </message>
    <message>
        <source>New assessment…</source>
        <translation>新增評估…</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>類型</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>標題</translation>
    </message>
    <message>
        <source>File name</source>
        <translation>檔名</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Risk</source>
        <translation>風險</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source> (corrected)</source>
        <translation>（已更正）</translation>
    </message>
    <message>
        <source>No health assessments yet.</source>
        <translation>尚無健康評估。</translation>
    </message>
    <message>
        <source>Recommendations</source>
        <translation>建議</translation>
    </message>
    <message>
        <source>Corrected {when} by {who}. Reason: {reason}</source>
        <translation>{who} 於 {when} 更正。原因：{reason}</translation>
    </message>
    <message>
        <source>Choose the report or file to add</source>
        <translation>選擇要新增的報告或檔案</translation>
    </message>
    <message>
        <source>Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</source>
        <translation>報告和影像 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有檔案 (*)</translation>
    </message>
    <message>
        <source>Choose a file in the list first.</source>
        <translation>請先在清單中選擇一個檔案。</translation>
    </message>
    <message>
        <source>Save a copy as</source>
        <translation>副本另存為</translation>
    </message>
    <message>
        <source>A copy was saved to {path}.</source>
        <translation>副本已儲存至 {path}。</translation>
    </message>
    <message>
        <source>New health assessment</source>
        <translation>新增健康評估</translation>
    </message>
    <message>
        <source>Kind of assessment</source>
        <translation>評估類型</translation>
    </message>
    <message>
        <source>What the assessment found</source>
        <translation>評估結果</translation>
    </message>
    <message>
        <source>e.g. general, diabetes, hypertension</source>
        <translation>例如 綜合、糖尿病、高血壓</translation>
    </message>
</context>
<context>
    <name>ResetPasswordDialog</name>
    <message>
        <source>Reset password</source>
        <translation>重設密碼</translation>
    </message>
    <message>
        <source>Set a temporary password for {name} ({login}). Tell it to them in person; they must choose their own password at their next sign-in. This also unlocks the account.</source>
        <translation>為 {name}（{login}）設定臨時密碼。請當面告知對方；對方下次登入時必須設定自己的密碼。此操作同時會解鎖該帳號。</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>臨時密碼</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>再次輸入臨時密碼</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>兩次輸入的密碼不一致。</translation>
    </message>
</context>
<context>
    <name>ResourcesPanel</name>
    <message>
        <source>Rooms and devices that appointments can need, such as the ultrasound room or the ECG machine. Booking a type that needs one checks it is free.</source>
        <translation>預約可能需要使用的診間和設備，例如超音波室、心電圖機。預約需要這些資源的類型時，會檢查是否有空。</translation>
    </message>
    <message>
        <source>Also show those taken off the calendar</source>
        <translation>同時顯示已從行事曆中移除的</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>類別</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>說明</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>新增…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重新命名…</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>診間</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>設備</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>Off the calendar</source>
        <translation>已從行事曆中移除</translation>
    </message>
    <message>
        <source>Put back on the calendar</source>
        <translation>重新加入行事曆</translation>
    </message>
    <message>
        <source>Take off the calendar</source>
        <translation>從行事曆中移除</translation>
    </message>
    <message>
        <source>Add a room or device</source>
        <translation>新增診間或設備</translation>
    </message>
    <message>
        <source>Added.</source>
        <translation>已新增。</translation>
    </message>
    <message>
        <source>Rename a room or device</source>
        <translation>重新命名診間或設備</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已儲存。</translation>
    </message>
    <message>
        <source>{name} is off the calendar.</source>
        <translation>{name}已從行事曆中移除。</translation>
    </message>
    <message>
        <source>{name} is back on the calendar.</source>
        <translation>{name}已重新加入行事曆。</translation>
    </message>
</context>
<context>
    <name>RiskLevel</name>
    <message>
        <source>Not rated</source>
        <translation>未評級</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>中</translation>
    </message>
    <message>
        <source>High</source>
        <translation>高</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>Receptionist</source>
        <translation>櫃檯人員</translation>
    </message>
    <message>
        <source>Triage nurse</source>
        <translation>導診護理師</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Pharmacist</source>
        <translation>藥師</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>健康管理師</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>客服人員</translation>
    </message>
    <message>
        <source>Director</source>
        <translation>院長</translation>
    </message>
</context>
<context>
    <name>RootCauseDialog</name>
    <message>
        <source>Root cause (5 Why)</source>
        <translation>根因分析（5 Why）</translation>
    </message>
    <message>
        <source>Ask why it happened, then why that happened, up to five times, until you reach a cause the clinic can change. Write in general terms: no names.</source>
        <translation>先問為什麼會發生，再問那又是為什麼，最多五次，直到找到診所能改變的原因。概括描述，不寫姓名。</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>What went wrong, in general terms</source>
        <translation>出了什麼問題（概括描述）</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Owner and due</source>
        <translation>負責人及時限</translation>
    </message>
    <message>
        <source>Why {n}?</source>
        <translation>為什麼 {n}？</translation>
    </message>
    <message>
        <source>Why did the problem happen?</source>
        <translation>問題為什麼會發生？</translation>
    </message>
    <message>
        <source>Why did that happen?</source>
        <translation>那又是為什麼？</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>根本原因</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>改進措施</translation>
    </message>
    <message>
        <source>What will change, who does it, by when</source>
        <translation>改什麼、誰來做、何時完成</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>The analysis is complete: the root cause and the actions are written</source>
        <translation>分析完成：已寫明根本原因和改進措施</translation>
    </message>
    <message numerus="yes">
        <source>You; due %n hour(s) after it is found (now).</source>
        <translation>
            <numerusform>您；須在發現問題（現在）後 %n 小時內完成。</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在載入…</translation>
    </message>
    <message>
        <source>complaint {number}</source>
        <translation>投訴 {number}</translation>
    </message>
</context>
<context>
    <name>RootCausesPanel</name>
    <message>
        <source>{due} (done {time})</source>
        <translation>{due}（{time} 完成）</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>進行中</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>New analysis…</source>
        <translation>新增分析…</translation>
    </message>
    <message>
        <source>A problem found: ask why, five times, within a day</source>
        <translation>發現問題：一天內連問五個為什麼</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>開啟…</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>投訴</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>負責人</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>時限</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>根本原因</translation>
    </message>
    <message numerus="yes">
        <source>%n analysis(es)</source>
        <translation>
            <numerusform>%n 項分析</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在載入…</translation>
    </message>
</context>
<context>
    <name>RostersTab</name>
    <message>
        <source>All day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} 小時 {m} 分鐘</translation>
    </message>
    <message>
        <source>Read only: the director sets up doctors&apos; hours, rooms, appointment types and closures.</source>
        <translation>唯讀：醫師看診時段、診間、預約類型和休診日均由院長設定。</translation>
    </message>
    <message>
        <source>Doctors and hours</source>
        <translation>醫師與看診時段</translation>
    </message>
    <message>
        <source>Rooms and devices</source>
        <translation>診間與設備</translation>
    </message>
    <message>
        <source>Appointment types</source>
        <translation>預約類型</translation>
    </message>
    <message>
        <source>Closures and holidays</source>
        <translation>休診日與假日</translation>
    </message>
</context>
<context>
    <name>Satisfaction</name>
    <message>
        <source>Overall, how satisfied are you with your visit?</source>
        <translation>您對本次看診的整體滿意度如何？</translation>
    </message>
    <message>
        <source>How satisfied are you with the doctor&apos;s explanation?</source>
        <translation>您對醫師的解釋說明滿意嗎？</translation>
    </message>
    <message>
        <source>How satisfied are you with the staff&apos;s attitude?</source>
        <translation>您對工作人員的服務態度滿意嗎？</translation>
    </message>
    <message>
        <source>How satisfied are you with the waiting time?</source>
        <translation>您對候診時間滿意嗎？</translation>
    </message>
    <message>
        <source>How satisfied are you with the clinic&apos;s environment?</source>
        <translation>您對診所環境滿意嗎？</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>您認為我們還有哪些地方可以改進？</translation>
    </message>
</context>
<context>
    <name>SearchView</name>
    <message>
        <source>Search: name, pinyin or initials (zs), phone digits, ID or record number (Ctrl+K)</source>
        <translation>搜尋：姓名、拼音或首字母（zs）、電話號碼、證件號碼或病歷號（Ctrl+K）</translation>
    </message>
    <message>
        <source>New patient…</source>
        <translation>新病患建檔…</translation>
    </message>
    <message>
        <source>Register a new patient (Ctrl+N)</source>
        <translation>為新病患建檔（Ctrl+N）</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>匯入…</translation>
    </message>
    <message>
        <source>Import patients from an Excel or CSV file</source>
        <translation>從 Excel 或 CSV 檔案匯入病患</translation>
    </message>
    <message>
        <source>Type to search; Enter opens the first patient.</source>
        <translation>輸入即可搜尋；按 Enter 開啟第一位病患。</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) found</source>
        <translation>
            <numerusform>找到 %n 位病患</numerusform>
        </translation>
    </message>
    <message>
        <source>No patient found. Check the spelling, or register a new patient (Ctrl+N).</source>
        <translation>找不到病患。請檢查輸入是否正確，或為新病患建檔（Ctrl+N）。</translation>
    </message>
</context>
<context>
    <name>SecurityTab</name>
    <message>
        <source>Clinic passphrase and recovery key</source>
        <translation>診所通關密語與復原金鑰</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data and its backups. Change it when someone who knew it leaves the clinic.</source>
        <translation>通關密語用於解鎖診所的加密資料及其備份。知道通關密語的人離開診所時，請變更通關密語。</translation>
    </message>
    <message>
        <source>Change clinic passphrase…</source>
        <translation>變更診所通關密語…</translation>
    </message>
    <message>
        <source>The recovery key opens the data if the passphrase is forgotten. Make a new one if the printed key was lost or seen by someone else.</source>
        <translation>忘記通關密語時，可用復原金鑰開啟資料。如果列印的金鑰已遺失或被他人看到，請產生新的復原金鑰。</translation>
    </message>
    <message>
        <source>New recovery key…</source>
        <translation>產生新的復原金鑰…</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>備份</translation>
    </message>
    <message>
        <source>ClinicDesk makes a backup every day when the daily backup is on. Make one now before a big change, or to take a copy away on a USB disk.</source>
        <translation>開啟每日備份後，ClinicDesk 每天都會自動備份。在進行重大變更之前，或需要用隨身碟帶走一份副本時，請立即備份。</translation>
    </message>
    <message>
        <source>Back up now…</source>
        <translation>立即備份…</translation>
    </message>
    <message>
        <source>Daily backups go to</source>
        <translation>每日備份儲存位置</translation>
    </message>
    <message>
        <source>Last daily backup</source>
        <translation>最近一次每日備份</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Daily backups are turned off (see Settings › Backup).</source>
        <translation>每日備份已關閉（請見 設定 › 備份）。</translation>
    </message>
    <message>
        <source>None yet; the first is made when ClinicDesk starts.</source>
        <translation>尚無；ClinicDesk 啟動時會進行第一次備份。</translation>
    </message>
    <message>
        <source>The clinic passphrase is changed. Use the new one from now on.</source>
        <translation>診所通關密語已變更。從現在起請使用新的通關密語。</translation>
    </message>
    <message>
        <source>The new recovery key is in place; the old one no longer works.</source>
        <translation>新的復原金鑰已生效；舊金鑰已失效。</translation>
    </message>
    <message>
        <source>Save the backup as</source>
        <translation>將備份另存為</translation>
    </message>
    <message>
        <source>ClinicDesk backup (*.cdbak)</source>
        <translation>ClinicDesk 備份 (*.cdbak)</translation>
    </message>
    <message>
        <source>Making the backup…</source>
        <translation>正在備份…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelling the backup…</source>
        <translation>正在取消備份…</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data…</source>
        <translation>正在複製診所資料…</translation>
    </message>
    <message>
        <source>Checking the copy…</source>
        <translation>正在驗證副本…</translation>
    </message>
    <message>
        <source>Writing the backup file…</source>
        <translation>正在寫入備份檔案…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Backup saved: {path} ({size}).</source>
        <translation>備份已儲存：{path}（{size}）。</translation>
    </message>
    <message>
        <source>The backup was cancelled; no file was written.</source>
        <translation>備份已取消，未寫入任何檔案。</translation>
    </message>
</context>
<context>
    <name>SelfCheck</name>
    <message>
        <source>Every patient&apos;s details complete (no missing phone / ID)</source>
        <translation>所有病患資料完整（電話、身分證號無缺漏）</translation>
    </message>
    <message>
        <source>Tomorrow&apos;s bookings confirmed</source>
        <translation>明日預約已確認</translation>
    </message>
    <message>
        <source>No-shows of the day marked and called back</source>
        <translation>當日未到診已標記並回電</translation>
    </message>
    <message>
        <source>Waiting patients kept informed; long waits handled</source>
        <translation>已隨時告知候診病患進度；候診逾時已處理</translation>
    </message>
    <message>
        <source>Front desk and waiting area tidy</source>
        <translation>櫃檯及候診區整潔</translation>
    </message>
    <message>
        <source>Vital signs recorded for every patient triaged</source>
        <translation>每位分診病患的生命徵象均已記錄</translation>
    </message>
    <message>
        <source>Allergies and current medication confirmed at check-in</source>
        <translation>報到時已確認過敏史與目前用藥</translation>
    </message>
    <message>
        <source>Same-day follow-up calls made</source>
        <translation>當日回訪電話已完成</translation>
    </message>
    <message>
        <source>Equipment cleaned and supplies restocked</source>
        <translation>設備已清潔，耗材已補充</translation>
    </message>
    <message>
        <source>Today&apos;s records complete and signed</source>
        <translation>今日病歷記載完整並已簽名</translation>
    </message>
    <message>
        <source>Follow-up plans set for today&apos;s patients</source>
        <translation>今日病患的回訪計畫已設定</translation>
    </message>
    <message>
        <source>Prescriptions checked and explained to patients</source>
        <translation>處方已核對並向病患說明清楚</translation>
    </message>
    <message>
        <source>Referrals and test results passed on</source>
        <translation>轉診與檢查結果已及時轉達</translation>
    </message>
    <message>
        <source>Every prescription checked before dispensing</source>
        <translation>每張處方調劑前均已審核</translation>
    </message>
    <message>
        <source>Medication cards and guidance given</source>
        <translation>已發放用藥提醒卡並完成用藥指導</translation>
    </message>
    <message>
        <source>Stock and expiry dates checked</source>
        <translation>庫存及效期已檢查</translation>
    </message>
    <message>
        <source>Today&apos;s follow-up calls made or rescheduled</source>
        <translation>今日回訪電話已完成或已改期</translation>
    </message>
    <message>
        <source>Health records of today&apos;s members updated</source>
        <translation>今日會員的健康檔案已更新</translation>
    </message>
    <message>
        <source>Calls spot-checked</source>
        <translation>回訪電話已抽查</translation>
    </message>
    <message>
        <source>Today&apos;s follow-up and survey calls made</source>
        <translation>今日回訪及滿意度調查電話已完成</translation>
    </message>
    <message>
        <source>Complaints of the day accepted and contacted on time</source>
        <translation>當日投訴均已按時受理並聯絡投訴人</translation>
    </message>
    <message>
        <source>Suggestions forwarded to the departments</source>
        <translation>意見建議已轉知相關科別</translation>
    </message>
    <message>
        <source>Complaint deadlines due tomorrow checked</source>
        <translation>明日到期的投訴時限已核查</translation>
    </message>
    <message>
        <source>Escalated complaints seen and answered</source>
        <translation>上報的投訴已查閱並答覆</translation>
    </message>
    <message>
        <source>Quality dashboard reviewed</source>
        <translation>品質看板已查看</translation>
    </message>
    <message>
        <source>Staff self-checks of the day reviewed</source>
        <translation>當日員工自查已審閱</translation>
    </message>
</context>
<context>
    <name>SelfCheckPanel</name>
    <message>
        <source>What was missed, and what you did</source>
        <translation>漏做了什麼，已如何處理</translation>
    </message>
    <message>
        <source>My self-check for {day}</source>
        <translation>我的當日自查（{day}）</translation>
    </message>
    <message>
        <source>Anything else about today (optional)</source>
        <translation>今天的其他情況（可不填）</translation>
    </message>
    <message>
        <source>Missing self-checks</source>
        <translation>未交自查</translation>
    </message>
    <message>
        <source>Checklists</source>
        <translation>自查表</translation>
    </message>
    <message>
        <source>Your role has no checklist yet.</source>
        <translation>您的崗位還沒有自查表。</translation>
    </message>
    <message>
        <source>Not submitted yet: tick each item at the end of the day.</source>
        <translation>尚未提交：請在下班前逐項勾選。</translation>
    </message>
    <message>
        <source>Submit</source>
        <translation>提交</translation>
    </message>
    <message>
        <source>Submitted at {time}. You can change it and submit again.</source>
        <translation>已於 {time} 提交，可修改後再次提交。</translation>
    </message>
    <message>
        <source>Update</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>Say what was missed in item {n}, or tick it if it was done.</source>
        <translation>請說明第 {n} 項漏做了什麼；如已完成請勾選。</translation>
    </message>
    <message>
        <source>Thank you. Your self-check is saved.</source>
        <translation>謝謝，您的自查已保存。</translation>
    </message>
</context>
<context>
    <name>SendBackDialog</name>
    <message>
        <source>Send back to the desk</source>
        <translation>送回櫃檯</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Note for the desk</source>
        <translation>給櫃檯的備註</translation>
    </message>
    <message>
        <source>No. {number} · {patient} goes back to the desk and keeps the queue number.</source>
        <translation>{number} 號 · {patient}回櫃檯辦理，保留原看診號碼。</translation>
    </message>
    <message>
        <source>Send back</source>
        <translation>送回</translation>
    </message>
</context>
<context>
    <name>SeriesChangeDialog</name>
    <message>
        <source>Only this one</source>
        <translation>僅這一次</translation>
    </message>
    <message>
        <source>This and the following ones</source>
        <translation>這一次及以後各次</translation>
    </message>
    <message>
        <source>All future ones</source>
        <translation>以後的全部</translation>
    </message>
    <message>
        <source>Move a repeating appointment</source>
        <translation>改期系列預約</translation>
    </message>
    <message>
        <source>This appointment is part of a series. Move only this one, or the later ones too? They keep their own days and take the new time, length and doctor. Past appointments stay as they are.</source>
        <translation>這是系列預約中的一次。只改這一次，還是以後各次也一起改？以後各次保持各自的日期，改用新的時間、時長和醫師。已過去的預約保持不變。</translation>
    </message>
    <message>
        <source>Keep as it was</source>
        <translation>保持原樣</translation>
    </message>
    <message>
        <source>Change a repeating appointment</source>
        <translation>更改系列預約</translation>
    </message>
    <message>
        <source>Now: {when}, {minutes} min, {doctor}</source>
        <translation>目前：{when}，{minutes} 分鐘，{doctor}</translation>
    </message>
    <message>
        <source>Which appointments change?</source>
        <translation>更改哪些預約？</translation>
    </message>
    <message>
        <source>Start time</source>
        <translation>開始時間</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>時長</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分鐘</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Weekdays</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Weekdays belong to the whole series: change the following ones or all.</source>
        <translation>星期屬於整個系列：請選擇更改以後各次或全部。</translation>
    </message>
    <message>
        <source>I have checked the patient&apos;s identity (real-name booking)</source>
        <translation>我已核對患者身分（實名預約）</translation>
    </message>
    <message>
        <source>Required: bookings are real-name, so a change is refused until you have checked the patient&apos;s identity document (or name and ID number on the phone).</source>
        <translation>必填：預約實行實名制，核對患者身分證件（或電話中核對姓名和證件號）之前不能更改。</translation>
    </message>
    <message>
        <source>A skipped date keeps its appointment as it is now; move it on its own if needed.</source>
        <translation>跳過的日期保留現有的預約不變；如有需要請單獨改期。</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>更改</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>關閉</translation>
    </message>
    <message>
        <source>Only this appointment changes, on its own day ({day}). To move it to another day, drag it in the calendar.</source>
        <translation>只更改這一次預約，日期不變（{day}）。要改到另一天，請在行事曆中拖動它。</translation>
    </message>
    <message>
        <source>From {day} on, the series continues with the new values; earlier appointments stay as they are.</source>
        <translation>從 {day} 起，系列按新的設定繼續；之前的預約保持不變。</translation>
    </message>
    <message>
        <source>Every appointment of the series from today on changes; past appointments stay as they are.</source>
        <translation>系列中從今天起的每一次預約都會更改；已過去的預約保持不變。</translation>
    </message>
    <message>
        <source>Change it although it is outside working hours</source>
        <translation>在醫師工作時間以外也照樣更改</translation>
    </message>
    <message>
        <source>The patient has another appointment then: change anyway</source>
        <translation>患者那時另有預約：仍然更改</translation>
    </message>
    <message>
        <source>Change it although the time has passed</source>
        <translation>時間已過也照樣更改</translation>
    </message>
    <message>
        <source>Change it although the clinic is closed that day</source>
        <translation>診所當天休息也照樣更改</translation>
    </message>
    <message>
        <source>Change it into the time held for members anyway</source>
        <translation>即使是會員保留時段也照樣更改</translation>
    </message>
    <message>
        <source>Tick at least one weekday for the series.</source>
        <translation>請為系列至少勾選一個星期幾。</translation>
    </message>
    <message>
        <source>Nothing to change: choose another time, length, doctor or weekdays.</source>
        <translation>沒有要更改的內容：請選擇新的時間、時長、醫師或星期。</translation>
    </message>
    <message numerus="yes">
        <source>Skip these %n date(s) and change the rest</source>
        <translation>
            <numerusform>跳過這 %n 個日期，更改其餘的</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SeriesText</name>
    <message>
        <source>every day</source>
        <translation>每天</translation>
    </message>
    <message>
        <source>every {n} days</source>
        <translation>每 {n} 天</translation>
    </message>
    <message>
        <source>every week on {days}</source>
        <translation>每週{days}</translation>
    </message>
    <message>
        <source>every {n} weeks on {days}</source>
        <translation>每 {n} 週的{days}</translation>
    </message>
    <message>
        <source>every month on day {day}</source>
        <translation>每月 {day} 日</translation>
    </message>
    <message>
        <source>every {n} months on day {day}</source>
        <translation>每 {n} 個月的 {day} 日</translation>
    </message>
    <message>
        <source>until {day}</source>
        <translation>到 {day} 為止</translation>
    </message>
    <message>
        <source>once</source>
        <translation>僅一次</translation>
    </message>
    <message>
        <source>{n} times in all</source>
        <translation>共 {n} 次</translation>
    </message>
    <message>
        <source>with no end date</source>
        <translation>不設結束日期</translation>
    </message>
    <message>
        <source>Part of a series: {rule} {end}</source>
        <translation>週期預約：{rule}，{end}</translation>
    </message>
    <message>
        <source>(the series has ended)</source>
        <translation>（該週期預約已結束）</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Clinic</source>
        <translation>診所</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>安全性</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>備份</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>預約</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>櫃檯</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>回訪</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投訴</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>品質</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>會員</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>列印</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>訊息</translation>
    </message>
    <message>
        <source>uncle</source>
        <translation>伯伯/婆婆</translation>
    </message>
    <message>
        <source>grandparent</source>
        <translation>爺爺/奶奶</translation>
    </message>
    <message>
        <source>CN</source>
        <translation>中國大陸</translation>
    </message>
    <message>
        <source>HK</source>
        <translation>香港</translation>
    </message>
    <message>
        <source>TW</source>
        <translation>臺灣</translation>
    </message>
    <message>
        <source>none</source>
        <translation>不使用</translation>
    </message>
    <message>
        <source>masked</source>
        <translation>部分隱藏（張**女士）</translation>
    </message>
    <message>
        <source>honorific</source>
        <translation>姓氏加尊稱（張女士）</translation>
    </message>
    <message>
        <source>later</source>
        <translation>順延</translation>
    </message>
    <message>
        <source>earlier</source>
        <translation>提前</translation>
    </message>
    <message>
        <source>keep</source>
        <translation>不變</translation>
    </message>
    <message>
        <source>starttls</source>
        <translation>STARTTLS 加密</translation>
    </message>
    <message>
        <source>ssl</source>
        <translation>SSL 加密</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>按剩餘天數折算</translation>
    </message>
    <message>
        <source>monthly</source>
        <translation>按剩餘整月折算</translation>
    </message>
    <message>
        <source>62mm</source>
        <translation>62mm 連續標籤</translation>
    </message>
    <message>
        <source>4x6in</source>
        <translation>4×6 吋感熱標籤</translation>
    </message>
    <message>
        <source>A4</source>
        <translation>A4</translation>
    </message>
    <message>
        <source>A5</source>
        <translation>A5</translation>
    </message>
    <message>
        <source>A6</source>
        <translation>A6</translation>
    </message>
    <message>
        <source>label</source>
        <translation>標籤紙</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>診所名稱</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>時區</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>語言</translation>
    </message>
    <message>
        <source>First-visit information (location, parking, what to bring)</source>
        <translation>初診須知（地址、停車、需攜帶的物品）</translation>
    </message>
    <message>
        <source>Default phone region</source>
        <translation>預設電話地區</translation>
    </message>
    <message>
        <source>Wrong passwords before an account locks</source>
        <translation>帳號鎖定前允許輸錯密碼的次數</translation>
    </message>
    <message>
        <source>Lockout window and lock time (minutes)</source>
        <translation>輸錯計次時段及鎖定時間（分鐘）</translation>
    </message>
    <message>
        <source>Lock the screen after idle minutes</source>
        <translation>閒置幾分鐘後鎖定螢幕</translation>
    </message>
    <message>
        <source>Make a backup every day</source>
        <translation>每天自動備份</translation>
    </message>
    <message>
        <source>Daily backups to keep</source>
        <translation>保留的每日備份份數</translation>
    </message>
    <message>
        <source>Backup folder (empty: &apos;backups&apos; in the data folder)</source>
        <translation>備份資料夾（留空：使用診所資料所在資料夾中的 backups）</translation>
    </message>
    <message>
        <source>Address as elderly (大爷/大妈) from age</source>
        <translation>年滿幾歲起以長輩稱呼（伯伯/婆婆）</translation>
    </message>
    <message>
        <source>Form for the elderly</source>
        <translation>長輩稱呼方式</translation>
    </message>
    <message>
        <source>Address as a child (小朋友) below age</source>
        <translation>未滿幾歲稱呼為「小朋友」</translation>
    </message>
    <message>
        <source>Address by title (李老师, 赵科长)</source>
        <translation>以職稱稱呼（李老師、趙科長）</translation>
    </message>
    <message>
        <source>Largest attachment (MB)</source>
        <translation>附件大小上限（MB）</translation>
    </message>
    <message>
        <source>Record number prefix (empty: the year)</source>
        <translation>病歷號前綴（留空：使用年份）</translation>
    </message>
    <message>
        <source>Public holidays of</source>
        <translation>國定假日依據</translation>
    </message>
    <message>
        <source>Calendar slot length (minutes)</source>
        <translation>預約時段長度（分鐘）</translation>
    </message>
    <message>
        <source>Mark as no-show after (minutes late)</source>
        <translation>遲到多久記為未到診（分鐘）</translation>
    </message>
    <message>
        <source>A cancellation is late within (hours)</source>
        <translation>就診前多久內取消算臨時取消（小時）</translation>
    </message>
    <message>
        <source>Open-ended series booked ahead (days)</source>
        <translation>無結束日期的週期預約提前排定（天）</translation>
    </message>
    <message>
        <source>Most appointments in one series</source>
        <translation>單一週期預約最多次數</translation>
    </message>
    <message>
        <source>Bookings for tomorrow close at</source>
        <translation>隔日預約截止時間</translation>
    </message>
    <message>
        <source>Doctor absence must be known by (day before)</source>
        <translation>醫師停診最晚告知時間（前一天）</translation>
    </message>
    <message>
        <source>Next day&apos;s list to triage nurse by</source>
        <translation>隔日名單交給導診護理師的時間</translation>
    </message>
    <message>
        <source>Reminder message, days before</source>
        <translation>簡訊提醒：提前天數</translation>
    </message>
    <message>
        <source>Reminder call, days before</source>
        <translation>電話提醒：提前天數</translation>
    </message>
    <message>
        <source>Respond to an arrival within (minutes)</source>
        <translation>病患到達後接待時限（分鐘）</translation>
    </message>
    <message>
        <source>Waiting-time alert after (minutes)</source>
        <translation>候診逾時提醒（分鐘）</translation>
    </message>
    <message>
        <source>Names on the waiting-room screen</source>
        <translation>候診室螢幕上的姓名顯示方式</translation>
    </message>
    <message>
        <source>Refuse to sync when the clock is off by (minutes)</source>
        <translation>時鐘誤差超過多久時拒絕同步（分鐘）</translation>
    </message>
    <message>
        <source>Sync at least every (seconds)</source>
        <translation>至少每隔多久同步一次（秒）</translation>
    </message>
    <message>
        <source>A pairing code stays valid for (minutes)</source>
        <translation>配對碼有效期限（分鐘）</translation>
    </message>
    <message>
        <source>A workstation unseen this long no longer holds the hub&apos;s log (days)</source>
        <translation>工作站超過多久未連線後不再為其保留同步伺服器的變更紀錄（天）</translation>
    </message>
    <message>
        <source>A follow-up due on a closed day moves</source>
        <translation>回訪截止日遇休診日時</translation>
    </message>
    <message>
        <source>No answer: try again after (hours)</source>
        <translation>無人接聽：間隔多久後重撥（小時）</translation>
    </message>
    <message>
        <source>No answer: give up after this many tries</source>
        <translation>無人接聽：嘗試多少次後放棄</translation>
    </message>
    <message>
        <source>Call back no-shows of the last (days; 0: never)</source>
        <translation>回訪最近幾天內爽約的病患（天；0：不回訪）</translation>
    </message>
    <message>
        <source>Complaints closed on time target (%)</source>
        <translation>投訴按時結案率目標（%）</translation>
    </message>
    <message>
        <source>No-show rate at most (%)</source>
        <translation>未到診率上限（%）</translation>
    </message>
    <message>
        <source>Average wait at most (minutes)</source>
        <translation>平均候診時間上限（分鐘）</translation>
    </message>
    <message>
        <source>90% of patients wait at most (minutes)</source>
        <translation>90% 病患候診時間上限（分鐘）</translation>
    </message>
    <message>
        <source>Follow-up rate target (%)</source>
        <translation>回訪率目標（%）</translation>
    </message>
    <message>
        <source>Revisit booking rate target (%)</source>
        <translation>複診預約率目標（%）</translation>
    </message>
    <message>
        <source>Booked visits target (% of visits)</source>
        <translation>預約就診率目標（佔就診人次的百分比）</translation>
    </message>
    <message>
        <source>Prescriptions corrected at most (%)</source>
        <translation>處方更正率上限（%）</translation>
    </message>
    <message>
        <source>Weekly survey: call the patients or hand out forms</source>
        <translation>每週滿意度調查方式：電話調查或發放問卷</translation>
    </message>
    <message>
        <source>Changing tier mid-term is priced</source>
        <translation>有效期限內變更等級的計費方式</translation>
    </message>
    <message>
        <source>Renewal reminder before expiry (days)</source>
        <translation>續費提醒：到期前天數</translation>
    </message>
    <message>
        <source>Lapsed members listed for (days after expiry)</source>
        <translation>已過期會員保留在清單中的時間（到期後天數）</translation>
    </message>
    <message>
        <source>Slots per doctor and day held for members</source>
        <translation>每位醫師每天的會員保留時段數</translation>
    </message>
    <message>
        <source>Held slots open to everyone (days before)</source>
        <translation>會員保留時段開放給所有人：提前天數</translation>
    </message>
    <message>
        <source>Annual health plan: check-in calls per year</source>
        <translation>年度健康計畫：每年回訪電話次數</translation>
    </message>
    <message>
        <source>Mail server (SMTP)</source>
        <translation>郵件伺服器（SMTP）</translation>
    </message>
    <message>
        <source>Mail server port</source>
        <translation>郵件伺服器連接埠</translation>
    </message>
    <message>
        <source>Mail server security</source>
        <translation>郵件伺服器加密方式</translation>
    </message>
    <message>
        <source>Mail server user name</source>
        <translation>郵件伺服器使用者名稱</translation>
    </message>
    <message>
        <source>Mail server password</source>
        <translation>郵件伺服器密碼</translation>
    </message>
    <message>
        <source>Send e-mail as (address)</source>
        <translation>寄件人地址</translation>
    </message>
    <message>
        <source>Give up on the mail server after (seconds)</source>
        <translation>郵件伺服器逾時時間（秒）</translation>
    </message>
    <message>
        <source>A message that could not go: try again after (minutes)</source>
        <translation>訊息傳送失敗：間隔多久後重試（分鐘）</translation>
    </message>
    <message>
        <source>A message that could not go: give up after tries</source>
        <translation>訊息傳送失敗：重試多少次後放棄</translation>
    </message>
    <message>
        <source>Send messages from</source>
        <translation>訊息傳送開始時間</translation>
    </message>
    <message>
        <source>Send messages until</source>
        <translation>訊息傳送結束時間</translation>
    </message>
    <message>
        <source>Workstation that sends (empty: this one)</source>
        <translation>負責傳送的工作站（留空：本機）</translation>
    </message>
    <message>
        <source>Everyone else: monthly random sample (%)</source>
        <translation>其他病患：每月隨機抽樣回訪比例（%）</translation>
    </message>
    <message>
        <source>Accept a complaint within (hours)</source>
        <translation>受理投訴時限（小時）</translation>
    </message>
    <message>
        <source>Contact the complainant within (hours)</source>
        <translation>聯絡投訴人時限（小時）</translation>
    </message>
    <message>
        <source>Answer a simple issue within (business days)</source>
        <translation>簡單問題答覆時限（工作天）</translation>
    </message>
    <message>
        <source>Propose a solution within (hours)</source>
        <translation>提出解決方案時限（小時）</translation>
    </message>
    <message>
        <source>Close a complaint within (days)</source>
        <translation>投訴結案時限（天）</translation>
    </message>
    <message>
        <source>Rectification within (days)</source>
        <translation>改善時限（天）</translation>
    </message>
    <message>
        <source>Answer a complex dispute within (days)</source>
        <translation>複雜糾紛答覆時限（天）</translation>
    </message>
    <message>
        <source>Day deadlines skip public holidays</source>
        <translation>以天計算的時限不含國定假日</translation>
    </message>
    <message>
        <source>Weekly survey sample (% of patients)</source>
        <translation>每週滿意度調查抽樣（佔病患的百分比）</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey (% of a day)</source>
        <translation>半年度門診滿意度調查（佔單日病患的百分比）</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey (% of a day)</source>
        <translation>半年度住院滿意度調查（佔單日病患的百分比）</translation>
    </message>
    <message>
        <source>Satisfaction target (%)</source>
        <translation>滿意度目標（%）</translation>
    </message>
    <message>
        <source>Complaint closure target (%)</source>
        <translation>投訴結案率目標（%）</translation>
    </message>
    <message>
        <source>Root-cause analysis within (hours)</source>
        <translation>根本原因分析時限（小時）</translation>
    </message>
    <message>
        <source>Label printer stock</source>
        <translation>標籤印表機紙張規格</translation>
    </message>
    <message>
        <source>Medication card size</source>
        <translation>用藥提醒卡尺寸</translation>
    </message>
    <message>
        <source>Large-print medication card size</source>
        <translation>大字版用藥提醒卡尺寸</translation>
    </message>
    <message>
        <source>Large-print card (大字版) from age</source>
        <translation>年滿幾歲起列印大字版用藥提醒卡</translation>
    </message>
    <message>
        <source>Appointment slip and contact card size</source>
        <translation>預約單和連心卡尺寸</translation>
    </message>
    <message>
        <source>Extra margin for a printer that clips (mm)</source>
        <translation>印表機列印不全時額外增加的邊界（公釐）</translation>
    </message>
    <message>
        <source>Opening hours (empty: from the doctors&apos; rosters)</source>
        <translation>門診時間（留空：依醫師排班產生）</translation>
    </message>
    <message>
        <source>What to bring, on appointment slips</source>
        <translation>預約單上提醒需攜帶的物品</translation>
    </message>
    <message>
        <source>QR code on cards (empty: the clinic&apos;s contact)</source>
        <translation>卡片上的 QR Code（留空：使用診所聯絡資訊）</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Clinic settings</source>
        <translation>診所設定</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>員工</translation>
    </message>
    <message>
        <source>Rosters</source>
        <translation>排班</translation>
    </message>
    <message>
        <source>Follow-up plans</source>
        <translation>回訪方案</translation>
    </message>
    <message>
        <source>Message templates</source>
        <translation>訊息範本</translation>
    </message>
    <message>
        <source>Security and backup</source>
        <translation>安全性與備份</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up ClinicDesk</source>
        <translation>設定 ClinicDesk</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; 上一步</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>下一步 &gt;</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close without the recovery kit?</source>
        <translation>不保存復原金鑰單就關閉嗎？</translation>
    </message>
    <message>
        <source>The clinic has been created, but its recovery key is shown only on this page. Close without printing or saving the recovery kit?</source>
        <translation>診所已建立，但復原金鑰只在此頁面顯示。確定不列印也不儲存復原金鑰單就關閉嗎？</translation>
    </message>
</context>
<context>
    <name>SignInWidget</name>
    <message>
        <source>User name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密碼</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登入</translation>
    </message>
    <message>
        <source>e.g. wang.li</source>
        <translation>例如 wang.li</translation>
    </message>
    <message>
        <source>The screen was locked. Sign in to continue; patient data stays hidden until then.</source>
        <translation>螢幕已鎖定。請登入以繼續；登入前病患資料將保持隱藏。</translation>
    </message>
    <message>
        <source>Sign in with your own account.</source>
        <translation>請使用您自己的帳號登入。</translation>
    </message>
    <message>
        <source>Type your user name.</source>
        <translation>請輸入使用者名稱。</translation>
    </message>
    <message>
        <source>Type your password.</source>
        <translation>請輸入密碼。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在驗證…</translation>
    </message>
</context>
<context>
    <name>SpotChecksPanel</name>
    <message>
        <source>Only calls not checked yet</source>
        <translation>僅顯示未抽查的回訪</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>評價</translation>
    </message>
    <message>
        <source>What was good or should change (optional)</source>
        <translation>做得好的地方或需改進之處（選填）</translation>
    </message>
    <message>
        <source>Save the check</source>
        <translation>儲存抽查</translation>
    </message>
    <message>
        <source>Print the call record…</source>
        <translation>列印回訪紀錄…</translation>
    </message>
    <message>
        <source>Your own calls are checked by someone else.</source>
        <translation>您本人的回訪由其他人抽查。</translation>
    </message>
    <message>
        <source>When</source>
        <translation>時間</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>回訪人</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>結果</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科別</translation>
    </message>
    <message>
        <source>Satisfaction</source>
        <translation>滿意度</translation>
    </message>
    <message>
        <source>Checked</source>
        <translation>抽查</translation>
    </message>
    <message>
        <source>{rating} · {who} · {day}</source>
        <translation>{rating} · {who} · {day}</translation>
    </message>
    <message>
        <source>No calls in this period.</source>
        <translation>本期間內沒有回訪紀錄。</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>恢復情況</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>用藥情況</translation>
    </message>
    <message>
        <source>Did levels 1 and 2 happen?</source>
        <translation>一、二級回訪是否已完成？</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Anything else the patient said</source>
        <translation>病患的其他回饋</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>意見建議</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Forwarded</source>
        <translation>已抄告</translation>
    </message>
    <message>
        <source>to the department (抄告)</source>
        <translation>抄告相關科別</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>投訴</translation>
    </message>
    <message>
        <source>opened from this call</source>
        <translation>由本次回訪發起</translation>
    </message>
    <message>
        <source>Choose the evaluation: good, acceptable or poor.</source>
        <translation>請選擇評價：好、普通或差。</translation>
    </message>
    <message>
        <source>Check saved.</source>
        <translation>抽查已儲存。</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>Add a staff member</source>
        <translation>新增員工</translation>
    </message>
    <message>
        <source>The user name is what they type to sign in (letters a-z, digits and . _ - @). Give them the temporary password in person: they must choose their own at the first sign-in.</source>
        <translation>使用者名稱是員工登入時輸入的名稱（字母 a-z、數字以及 . _ - @）。請當面告知臨時密碼：對方首次登入時必須設定自己的密碼。</translation>
    </message>
    <message>
        <source>Edit a staff member</source>
        <translation>編輯員工</translation>
    </message>
    <message>
        <source>A user name cannot be changed. To rename a sign-in, add a new account and disable this one.</source>
        <translation>使用者名稱無法變更。如需更換登入名稱，請新增一個帳號，並停用此帳號。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>e.g. 张丽</source>
        <translation>例如 張麗</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>e.g. zhang.li</source>
        <translation>例如 zhang.li</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>臨時密碼</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>再次輸入臨時密碼</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>兩次輸入的密碼不一致。</translation>
    </message>
</context>
<context>
    <name>StaffTab</name>
    <message>
        <source>Everyone who signs in to ClinicDesk. Disable the account of someone who leaves; their name stays in the records they wrote.</source>
        <translation>所有登入 ClinicDesk 的人員。有人離職時請停用其帳號；其姓名仍會保留在其填寫的紀錄中。</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>新增…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>編輯…</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>重設密碼…</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解鎖</translation>
    </message>
    <message>
        <source>Let a locked account sign in again before the lock ends</source>
        <translation>讓被鎖定的帳號在鎖定結束前重新登入</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>啟用</translation>
    </message>
    <message>
        <source>Let this person sign in again</source>
        <translation>允許此人重新登入</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Stop this person signing in; their records stay</source>
        <translation>禁止此人登入；其紀錄將保留</translation>
    </message>
    <message>
        <source>{name} has a temporary password now.</source>
        <translation>{name} 現在使用臨時密碼。</translation>
    </message>
    <message>
        <source>{name} can sign in again.</source>
        <translation>{name} 現在可以重新登入。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled.</source>
        <translation>{name} 的帳號已停用。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is enabled again.</source>
        <translation>{name} 的帳號已重新啟用。</translation>
    </message>
</context>
<context>
    <name>StaffTableModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Locked until {time}</source>
        <translation>鎖定至 {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Must choose a new password at the next sign-in.</source>
        <translation>下次登入時必須設定新密碼。</translation>
    </message>
</context>
<context>
    <name>SuggestionBoxDialog</name>
    <message>
        <source>Suggestion box</source>
        <translation>意見箱</translation>
    </message>
    <message>
        <source>Enter every note found in the box, one per row, then save them all at once. Name and contact only if the writer gave them; empty rows are skipped. Each note becomes a complaint you own, received on the day the box was opened.</source>
        <translation>把箱中的每張意見條逐行錄入，然後一次全部儲存。姓名和聯絡方式僅在寫信人留下時填寫；空行會被略過。每條意見成為一件由您負責的投訴，收到日期為開箱當天。</translation>
    </message>
    <message>
        <source>&amp;Opened on</source>
        <translation>開箱日期(&amp;O)</translation>
    </message>
    <message>
        <source>What the note says</source>
        <translation>意見內容</translation>
    </message>
    <message>
        <source>Name (if given)</source>
        <translation>姓名（如有）</translation>
    </message>
    <message>
        <source>Contact (if given)</source>
        <translation>聯絡方式（如有）</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>嚴重程度</translation>
    </message>
    <message>
        <source>Add a row</source>
        <translation>新增一行</translation>
    </message>
    <message>
        <source>Remove the row</source>
        <translation>刪除此行</translation>
    </message>
    <message>
        <source>Save all</source>
        <translation>全部儲存</translation>
    </message>
    <message>
        <source>At most {n} notes at a time: save these, then open the box again.</source>
        <translation>每次最多 {n} 條：請先儲存這些，再繼續錄入。</translation>
    </message>
    <message>
        <source>Write at least one note, then save.</source>
        <translation>請至少填寫一條意見，然後儲存。</translation>
    </message>
</context>
<context>
    <name>Survey</name>
    <message>
        <source>Score from 1 to 5</source>
        <translation>評分（1-5 分）</translation>
    </message>
    <message>
        <source>Open question</source>
        <translation>開放式問題</translation>
    </message>
    <message>
        <source>Weekly sample</source>
        <translation>每週抽樣</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey</source>
        <translation>半年度門診滿意度調查</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey</source>
        <translation>半年度住院滿意度調查</translation>
    </message>
    <message>
        <source>Call the patient</source>
        <translation>電話調查</translation>
    </message>
    <message>
        <source>Printed form</source>
        <translation>紙本問卷</translation>
    </message>
    <message>
        <source>Drawn</source>
        <translation>已抽中</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已作答</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>病患婉拒</translation>
    </message>
    <message>
        <source>Not reached</source>
        <translation>未聯繫上</translation>
    </message>
    <message>
        <source>Satisfaction survey</source>
        <translation>滿意度調查</translation>
    </message>
    <message>
        <source>Weekly satisfaction survey</source>
        <translation>每週滿意度調查</translation>
    </message>
</context>
<context>
    <name>Surveys</name>
    <message>
        <source>1 = very dissatisfied … 5 = very satisfied; 0 clears</source>
        <translation>1 = 很不滿意 … 5 = 很滿意；按 0 清除</translation>
    </message>
</context>
<context>
    <name>SurveysPanel</name>
    <message>
        <source>Weekly sample</source>
        <translation>每周抽樣</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>調查結果</translation>
    </message>
    <message>
        <source>Week of</source>
        <translation>周起始日</translation>
    </message>
    <message>
        <source>The week before</source>
        <translation>上一周</translation>
    </message>
    <message>
        <source>The week after</source>
        <translation>下一周</translation>
    </message>
    <message>
        <source>Ask by</source>
        <translation>調查方式</translation>
    </message>
    <message>
        <source>Draw this week&apos;s sample</source>
        <translation>抽取本周樣本</translation>
    </message>
    <message>
        <source>Draws the week&apos;s share of patients seen (Settings, Quality). Drawing again keeps those already drawn; every workstation draws the same patients.</source>
        <translation>按比例抽取本周就診患者（設置 › 質量）。再次抽取會保留已抽中的患者；每台電腦抽到的患者相同。</translation>
    </message>
    <message>
        <source>Print forms…</source>
        <translation>打印問卷…</translation>
    </message>
    <message>
        <source>Enter a returned form…</source>
        <translation>錄入回收問卷…</translation>
    </message>
    <message>
        <source>Questionnaires…</source>
        <translation>問卷管理…</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫生</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>就診日</translation>
    </message>
    <message>
        <source>Asked by</source>
        <translation>調查方式</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>編號</translation>
    </message>
    <message>
        <source>By</source>
        <translation>分組</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>題目</translation>
    </message>
    <message>
        <source>Responses</source>
        <translation>答卷數</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>評分數</translation>
    </message>
    <message>
        <source>Mean (1-5)</source>
        <translation>平均分（1-5）</translation>
    </message>
    <message>
        <source>Satisfied (4-5)</source>
        <translation>滿意（4-5 分）</translation>
    </message>
    <message>
        <source>Satisfied %</source>
        <translation>滿意率</translation>
    </message>
    <message>
        <source>{first} to {last}</source>
        <translation>{first} 至 {last}</translation>
    </message>
    <message>
        <source>No patients were seen that week: nobody to ask.</source>
        <translation>該周沒有就診患者，無需調查。</translation>
    </message>
    <message>
        <source>Drew {n} of {seen} patients seen ({percent} %).</source>
        <translation>已從 {seen} 位就診患者中抽取 {n} 位（{percent}%）。</translation>
    </message>
    <message>
        <source>Not drawn yet for this week.</source>
        <translation>本周尚未抽樣。</translation>
    </message>
    <message>
        <source>Patients seen: {seen}. Drawn: {n} ({percent} %), asked by {mode}. Answered so far: {answered}.</source>
        <translation>就診患者 {seen} 位，抽取 {n} 位（{percent}%），調查方式：{mode}。已答 {answered} 位。</translation>
    </message>
    <message>
        <source>One form per patient drawn for a printed form, with its code</source>
        <translation>為每位抽中的紙質問卷患者打印一份，附編號</translation>
    </message>
    <message>
        <source>A blank form (no patient drawn for a printed form this week)</source>
        <translation>空白問卷（本周沒有抽中紙質問卷的患者）</translation>
    </message>
    <message>
        <source>Satisfaction survey forms</source>
        <translation>滿意度調查問卷</translation>
    </message>
    <message>
        <source>The form&apos;s answers are saved.</source>
        <translation>問卷答案已保存。</translation>
    </message>
    <message>
        <source>(not recorded)</source>
        <translation>（未記錄）</translation>
    </message>
    <message>
        <source>No survey answers in this period.</source>
        <translation>本期沒有調查答卷。</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <source>an unexpected problem. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <extracomment>every topic a screen may redraw on (not the audit log or backups: they never sync) the clinical record: each of these rows belongs to a patient&apos;s file a new ``SyncStatus`` (GUI thread) the loop started (True) or stopped (False)</extracomment>
        <translation>發生未預期的問題。詳細資訊已記錄在記錄檔中；請告知負責診所電腦維護的人員。</translation>
    </message>
    <message numerus="yes">
        <source>Offline since {time} — %n changes kept here</source>
        <translation>
            <numerusform>自 {time} 起離線 — %n 項變更暫存在這台電腦</numerusform>
        </translation>
    </message>
    <message>
        <source>Sync stopped: {reason}</source>
        <translation>同步已停止：{reason}</translation>
    </message>
    <message numerus="yes">
        <source>Sending %n changes…</source>
        <translation>
            <numerusform>正在傳送 %n 項變更…</numerusform>
        </translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>已同步</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Last synced at {time}.</source>
        <translation>上次同步時間：{time}。</translation>
    </message>
    <message>
        <source>Not synced yet since ClinicDesk started.</source>
        <translation>自 ClinicDesk 啟動以來尚未同步。</translation>
    </message>
    <message>
        <source>Click (or press F9) to sync now.</source>
        <translation>按一下（或按 F9）立即同步。</translation>
    </message>
</context>
<context>
    <name>SyncTab</name>
    <message>
        <source>Sync between workstations</source>
        <translation>工作站之間的同步</translation>
    </message>
    <message>
        <source>With sync, several computers of the clinic share its data. Each keeps its own encrypted copy and keeps working when the network is down; changes go through a hub, a PostgreSQL database on the clinic&apos;s server or in the cloud, which only ever holds them encrypted. Ask whoever looks after the clinic&apos;s network for the hub&apos;s address.</source>
        <translation>啟用同步後，診所的多台電腦可以共用診所資料。每台電腦都保存一份自己的加密副本，網路中斷時也能繼續工作；變更透過同步伺服器傳遞，同步伺服器是一個位於診所伺服器或雲端的 PostgreSQL 資料庫，其中存放的始終是加密後的資料。同步伺服器位址請向負責診所網路的人員索取。</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>同步伺服器位址</translation>
    </message>
    <message>
        <source>This workstation&apos;s name</source>
        <translation>這台工作站的名稱</translation>
    </message>
    <message>
        <source>e.g. Front desk</source>
        <translation>例如 櫃檯</translation>
    </message>
    <message>
        <source>Make this the clinic&apos;s first workstation</source>
        <translation>將這台電腦設為診所的第一台工作站</translation>
    </message>
    <message>
        <source>To add another computer later, create a pairing code here once sync is on. A computer that already has its own clinic data cannot join; the new computer joins during ClinicDesk&apos;s first-run setup.</source>
        <translation>日後如需新增其他電腦，請在啟用同步後在此產生配對碼。已有自己診所資料的電腦無法加入；新電腦在 ClinicDesk 首次執行的設定精靈中加入。</translation>
    </message>
    <message>
        <source>This workstation syncs</source>
        <translation>這台工作站已啟用同步</translation>
    </message>
    <message>
        <source>Hub</source>
        <translation>同步伺服器</translation>
    </message>
    <message>
        <source>This workstation</source>
        <translation>這台工作站</translation>
    </message>
    <message>
        <source>Changes not sent yet</source>
        <translation>尚未傳送的變更</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <source>Add a workstation…</source>
        <translation>新增工作站…</translation>
    </message>
    <message>
        <source>Trim the hub&apos;s log…</source>
        <translation>精簡同步伺服器的變更紀錄…</translation>
    </message>
    <message>
        <source>Send a snapshot of this copy so the hub can drop the changes every workstation already has. New workstations then start from the snapshot.</source>
        <translation>將這台電腦副本的快照傳送到同步伺服器，讓同步伺服器刪除所有工作站都已收到的變更。之後新加入的工作站將從該快照開始。</translation>
    </message>
    <message>
        <source>Full resync…</source>
        <translation>完整重新同步…</translation>
    </message>
    <message>
        <source>Replace this computer&apos;s copy with the hub&apos;s, after it was away longer than the hub keeps its log.</source>
        <translation>當這台電腦離線時間超過同步伺服器保留變更紀錄的期限後，以同步伺服器上的副本取代這台電腦的副本。</translation>
    </message>
    <message>
        <source>Workstations</source>
        <translation>工作站</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>加入時間</translation>
    </message>
    <message>
        <source>Last seen by the hub</source>
        <translation>最後連線同步伺服器</translation>
    </message>
    <message>
        <source>Changes sent</source>
        <translation>已傳送變更</translation>
    </message>
    <message>
        <source>State</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移除…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>重新整理</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <source>Conflicts… ({n} open)</source>
        <translation>同步衝突…（{n} 項待處理）</translation>
    </message>
    <message>
        <source>Conflicts…</source>
        <translation>同步衝突…</translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>這台電腦</translation>
    </message>
    <message>
        <source>Removed {time}</source>
        <translation>已於 {time} 移除</translation>
    </message>
    <message>
        <source>never</source>
        <translation>從未連線</translation>
    </message>
    <message>
        <source>The list could not be read from the hub: {reason}</source>
        <translation>無法從同步伺服器讀取清單：{reason}</translation>
    </message>
    <message>
        <source>Reading the list from the hub…</source>
        <translation>正在從同步伺服器讀取清單…</translation>
    </message>
    <message>
        <source>Connecting to the hub…</source>
        <translation>正在連線到同步伺服器…</translation>
    </message>
    <message>
        <source>Turning sync on</source>
        <translation>正在開啟同步</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelling… (undoing what was prepared)</source>
        <translation>正在取消……（復原已準備的內容）</translation>
    </message>
    <message>
        <source>Preparing the clinic&apos;s data for the hub… {percent}%</source>
        <translation>正在為同步伺服器準備診所資料……{percent}%</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Turning sync on was cancelled. Nothing was changed on this workstation.</source>
        <translation>已取消開啟同步，這台工作站沒有任何變更。</translation>
    </message>
    <message>
        <source>This is now the clinic&apos;s first workstation. Its data is being sent to the hub; add the other computers with “Add a workstation…”.</source>
        <translation>這台電腦現已成為診所的第一台工作站，其資料正在傳送到同步伺服器；請透過「新增工作站…」加入其他電腦。</translation>
    </message>
    <message>
        <source>Remove a workstation</source>
        <translation>移除工作站</translation>
    </message>
    <message>
        <source>Remove “{name}” from the clinic&apos;s sync? The hub will refuse its changes from now on; what it has not sent yet stays on that computer only. To use it again, set it up anew with a pairing code.</source>
        <translation>要將「{name}」移出診所同步嗎？從現在起，同步伺服器將拒絕接收它的變更；它尚未傳送的內容只會保留在那台電腦上。如需再次使用，請使用配對碼重新設定。</translation>
    </message>
    <message>
        <source>Removing the workstation…</source>
        <translation>正在移除工作站…</translation>
    </message>
    <message>
        <source>The workstation was removed.</source>
        <translation>工作站已移除。</translation>
    </message>
    <message>
        <source>Trim the hub&apos;s log</source>
        <translation>精簡同步伺服器的變更紀錄</translation>
    </message>
    <message>
        <source>Send a snapshot of this computer&apos;s copy to the hub? The hub then keeps only the changes some active workstation has not received yet. A workstation switched off for more than {days} days will need a full resync when it comes back.</source>
        <translation>要將這台電腦副本的快照傳送到同步伺服器嗎？之後同步伺服器只保留仍有使用中工作站尚未收到的變更。關機超過 {days} 天的工作站重新上線時，需要進行完整重新同步。</translation>
    </message>
    <message>
        <source>Sending the snapshot…</source>
        <translation>正在傳送快照…</translation>
    </message>
    <message>
        <source>Snapshot sent ({rows} rows); the hub trimmed its log.</source>
        <translation>快照已傳送（{rows} 列）；同步伺服器已精簡其變更紀錄。</translation>
    </message>
    <message>
        <source>Full resync</source>
        <translation>完整重新同步</translation>
    </message>
    <message>
        <source>Replace this computer&apos;s copy of the clinic with the hub&apos;s? Changes made here that were not sent yet are sent first. This takes a while for a large clinic; keep ClinicDesk open until it says it is done.</source>
        <translation>要以同步伺服器上的副本取代這台電腦的診所副本嗎？這台電腦尚未傳送的變更會先傳送出去。診所資料較多時需要一段時間；請保持 ClinicDesk 開啟，直到顯示完成為止。</translation>
    </message>
    <message>
        <source>Resyncing from the hub…</source>
        <translation>正在從同步伺服器重新同步…</translation>
    </message>
    <message>
        <source>This copy is up to date with the hub again.</source>
        <translation>這台電腦的副本已與同步伺服器重新保持一致。</translation>
    </message>
</context>
<context>
    <name>TierDialog</name>
    <message>
        <source>New membership tier</source>
        <translation>新增會員等級</translation>
    </message>
    <message>
        <source>Edit tier {name}</source>
        <translation>編輯等級 {name}</translation>
    </message>
    <message>
        <source>A tier&apos;s name in the three languages, its price and period, how many people it covers and its benefits: included, or an allowance counted per period.</source>
        <translation>等級的三種語言名稱、價格與週期、涵蓋人數及權益：權益可為「包含」，或依週期計次的額度。</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代碼</translation>
    </message>
    <message>
        <source>Short, unique: basic, family…</source>
        <translation>簡短且不重複：basic、family…</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>說明</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>價格</translation>
    </message>
    <message>
        <source>for</source>
        <translation>每</translation>
    </message>
    <message>
        <source>People, payer included</source>
        <translation>人數（含付款人）</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>顏色</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>選擇…</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>權益</translation>
    </message>
    <message>
        <source>Add a benefit of your own</source>
        <translation>新增自訂權益</translation>
    </message>
    <message>
        <source>Changing the price does not change what existing members paid; it applies to enrolments and renewals from now on.</source>
        <translation>修改價格不影響現有會員已付的費用，僅適用於此後的辦理和續費。</translation>
    </message>
    <message>
        <source>Sample</source>
        <translation>範例</translation>
    </message>
    <message>
        <source>No colour</source>
        <translation>未設定顏色</translation>
    </message>
    <message>
        <source>Not a colour</source>
        <translation>不是有效的顏色</translation>
    </message>
    <message>
        <source>Tier colour</source>
        <translation>等級顏色</translation>
    </message>
</context>
<context>
    <name>TiersPanel</name>
    <message>
        <source>The tiers the desk can sell, in the order shown to them. A tier in use cannot be deleted: retire it, and its members keep it until they renew or change.</source>
        <translation>櫃檯可辦理的會員等級，依此順序向櫃檯顯示。已在使用的等級無法刪除：請將其停用，現有會員可繼續保留該等級，直到續費或變更等級。</translation>
    </message>
    <message>
        <source>New tier…</source>
        <translation>新增等級…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>編輯…</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>Retire</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Offer again</source>
        <translation>重新啟用</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>刪除…</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等級</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>價格</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>週期</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人數</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>權益</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>可辦理</translation>
    </message>
    <message>
        <source>Retired</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message numerus="yes">
        <source>In use by %n membership(s): retire it instead.</source>
        <translation>
            <numerusform>有 %n 個會員正在使用此等級：請改為停用。</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete tier</source>
        <translation>刪除等級</translation>
    </message>
    <message>
        <source>Delete the tier {name}? This cannot be undone.</source>
        <translation>要刪除等級 {name} 嗎？此操作無法復原。</translation>
    </message>
    <message>
        <source>Tier saved.</source>
        <translation>等級已儲存。</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>Title</source>
        <translation>標題</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>新增日期</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在載入…</translation>
    </message>
    <message>
        <source>No cases yet. A complaint&apos;s owner adds one from the complaint, once it has been answered.</source>
        <translation>還沒有案例。投訴答覆後，負責人可從投訴中新增案例。</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s)</source>
        <translation>
            <numerusform>%n 個案例</numerusform>
        </translation>
    </message>
    <message>
        <source>Added {day} by {name}</source>
        <translation>{name} 於 {day} 新增</translation>
    </message>
</context>
<context>
    <name>TypesPanel</name>
    <message>
        <source>What patients come for. The usual length is offered when booking; the rooms and devices a type needs are booked with it.</source>
        <translation>病患前來就診的項目。預約時會預先帶入一般時長；該類型所需的診間和設備會隨預約一併預訂。</translation>
    </message>
    <message>
        <source>Also show types no longer offered</source>
        <translation>同時顯示已停止提供的類型</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>Usual length</source>
        <translation>一般時長</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>顏色</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>所需診間和設備</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>新增…</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} 分鐘</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>提供中</translation>
    </message>
    <message>
        <source>No longer offered</source>
        <translation>已停止提供</translation>
    </message>
    <message>
        <source>Offer again</source>
        <translation>重新提供</translation>
    </message>
    <message>
        <source>No longer offer</source>
        <translation>停止提供</translation>
    </message>
    <message>
        <source>Added.</source>
        <translation>已新增。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已儲存。</translation>
    </message>
    <message>
        <source>{name} is no longer offered for new bookings.</source>
        <translation>新預約將不再提供「{name}」。</translation>
    </message>
    <message>
        <source>{name} is offered again.</source>
        <translation>已重新提供「{name}」。</translation>
    </message>
</context>
<context>
    <name>UndoUseDialog</name>
    <message>
        <source>Undo a benefit use</source>
        <translation>撤銷權益使用</translation>
    </message>
    <message>
        <source>The use is given back by a line of -1; the original stays in the ledger.</source>
        <translation>系統會新增一筆 -1 的紀錄退回這次使用，原紀錄仍保留在明細中。</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用紀錄</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>There is no use to undo.</source>
        <translation>沒有可撤銷的使用紀錄。</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Open the clinic</source>
        <translation>開啟診所</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic&apos;s data. Type the clinic passphrase, or the recovery key from the printed recovery kit.</source>
        <translation>這台電腦沒有儲存診所資料的金鑰。請輸入診所通關密語，或列印的復原金鑰單上的復原金鑰。</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>診所通關密語</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>復原金鑰</translation>
    </message>
    <message>
        <source>Type the passphrase or recovery key first.</source>
        <translation>請先輸入通關密語或復原金鑰。</translation>
    </message>
</context>
<context>
    <name>UseDialog</name>
    <message>
        <source>Record a benefit use on {card}</source>
        <translation>登記會員卡 {card} 的權益使用</translation>
    </message>
    <message>
        <source>Each use is one line in the ledger, so two desks offline cannot lose one. Home visits booked in the calendar are counted there.</source>
        <translation>每次使用單獨記一筆，因此即使兩台工作站離線也不會漏記。在行事曆中預約的到府服務由行事曆自動計次。</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>權益</translation>
    </message>
    <message>
        <source>For</source>
        <translation>使用人</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Reason to allow</source>
        <translation>特准原因</translation>
    </message>
    <message>
        <source>Why one more is allowed (at least 4 characters)</source>
        <translation>為何允許多用一次（至少 4 個字）</translation>
    </message>
    <message>
        <source>Recorded with your name and kept in the audit log.</source>
        <translation>將連同您的姓名記入稽核紀錄。</translation>
    </message>
    <message>
        <source>Allow with a reason…</source>
        <translation>填寫原因特准…</translation>
    </message>
    <message>
        <source>Included; no allowance is counted.</source>
        <translation>已包含在內，不計入額度。</translation>
    </message>
    <message>
        <source>Allow one more</source>
        <translation>特准多用一次</translation>
    </message>
    <message>
        <source>This tier has no benefit to record.</source>
        <translation>此等級沒有可登記的權益。</translation>
    </message>
</context>
<context>
    <name>VisitCategory</name>
    <message>
        <source>Cold or flu</source>
        <translation>感冒／流感</translation>
    </message>
    <message>
        <source>Physical examination</source>
        <translation>健檢</translation>
    </message>
    <message>
        <source>Physical examination with findings</source>
        <translation>健檢有異常</translation>
    </message>
    <message>
        <source>Chronic condition</source>
        <translation>慢性病</translation>
    </message>
    <message>
        <source>Chronic condition, discharged</source>
        <translation>慢性病，已出院</translation>
    </message>
    <message>
        <source>After an operation</source>
        <translation>術後</translation>
    </message>
    <message>
        <source>Family planning</source>
        <translation>家庭計畫</translation>
    </message>
    <message>
        <source>Inpatient surgery</source>
        <translation>住院手術</translation>
    </message>
    <message>
        <source>Outpatient surgery</source>
        <translation>門診手術</translation>
    </message>
    <message>
        <source>Other treatment</source>
        <translation>其他治療</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>VisitDialog</name>
    <message>
        <source>Kind of visit</source>
        <translation>就診類型</translation>
    </message>
    <message>
        <source>Chief complaint</source>
        <translation>主訴</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>檢查所見</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>診斷</translation>
    </message>
    <message>
        <source>ICD-10 code (optional)</source>
        <translation>ICD-10 代碼（選填）</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>處置</translation>
    </message>
    <message>
        <source>Reason for the correction</source>
        <translation>更正原因</translation>
    </message>
    <message>
        <source>Correct a visit</source>
        <translation>更正就診紀錄</translation>
    </message>
    <message>
        <source>The visit as written is kept; the correction is added with your name and the time.</source>
        <translation>原就診紀錄會保留；更正內容將連同您的姓名與時間一併加入。</translation>
    </message>
    <message>
        <source>New visit</source>
        <translation>新增就診紀錄</translation>
    </message>
    <message>
        <source>Vital signs (optional)</source>
        <translation>生命徵象（選填）</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>測量值異常</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>仍要記錄嗎？</translation>
    </message>
</context>
<context>
    <name>VisitsTab</name>
    <message>
        <source>New visit…</source>
        <translation>新增就診紀錄…</translation>
    </message>
    <message>
        <source>Correct…</source>
        <translation>更正…</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>就診類型</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>診斷</translation>
    </message>
    <message>
        <source>ICD-10</source>
        <translation>ICD-10</translation>
    </message>
    <message>
        <source> (corrected)</source>
        <translation>（已更正）</translation>
    </message>
    <message>
        <source>No visits recorded yet.</source>
        <translation>尚無就診紀錄。</translation>
    </message>
    <message>
        <source>Chief complaint</source>
        <translation>主訴</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>檢查所見</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>處置</translation>
    </message>
    <message>
        <source>Vital signs</source>
        <translation>生命徵象</translation>
    </message>
    <message>
        <source>Earlier version written {when} by {who}: {diagnosis}</source>
        <translation>原紀錄（{who} 於 {when} 填寫）：{diagnosis}</translation>
    </message>
    <message>
        <source>Corrected {when} by {who}. Reason: {reason}</source>
        <translation>{who} 於 {when} 更正。原因：{reason}</translation>
    </message>
    <message>
        <source>Choose a visit in the list first.</source>
        <translation>請先在清單中選擇一筆就診紀錄。</translation>
    </message>
</context>
<context>
    <name>Vitals</name>
    <message>
        <source>Blood pressure, upper (systolic)</source>
        <translation>收縮壓</translation>
    </message>
    <message>
        <source>Blood pressure, lower (diastolic)</source>
        <translation>舒張壓</translation>
    </message>
    <message>
        <source>Pulse</source>
        <translation>脈搏</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>體溫</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>體重</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>身高</translation>
    </message>
    <message>
        <source>Oxygen saturation (SpO₂)</source>
        <translation>血氧飽和度（SpO₂）</translation>
    </message>
    <message>
        <source>Breathing rate</source>
        <translation>呼吸頻率</translation>
    </message>
    <message>
        <source>Blood glucose</source>
        <translation>血糖</translation>
    </message>
</context>
<context>
    <name>VitalsBox</name>
    <message>
        <source>Blood pressure</source>
        <translation>血壓</translation>
    </message>
    <message>
        <source>Pulse /min</source>
        <translation>脈搏 次/分</translation>
    </message>
    <message>
        <source>Temperature °C</source>
        <translation>體溫 °C</translation>
    </message>
    <message>
        <source>Weight kg</source>
        <translation>體重 kg</translation>
    </message>
    <message>
        <source>Height cm</source>
        <translation>身高 cm</translation>
    </message>
    <message>
        <source>SpO₂ %</source>
        <translation>血氧 %</translation>
    </message>
</context>
<context>
    <name>VitalsDialog</name>
    <message>
        <source>Record vital signs</source>
        <translation>記錄生命徵象</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>測量值異常</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>仍要記錄嗎？</translation>
    </message>
</context>
<context>
    <name>VitalsLine</name>
    <message>
        <source>No vital signs recorded yet.</source>
        <translation>尚無生命徵象紀錄。</translation>
    </message>
    <message>
        <source>BP {s}/{d} mmHg</source>
        <translation>血壓 {s}/{d} mmHg</translation>
    </message>
    <message>
        <source>pulse {n}/min</source>
        <translation>脈搏 {n} 次/分</translation>
    </message>
    <message>
        <source>Latest vital signs ({when}): {values}</source>
        <translation>最近生命徵象（{when}）：{values}</translation>
    </message>
</context>
<context>
    <name>WaitAlertDialog</name>
    <message>
        <source>Waiting too long</source>
        <translation>候診逾時</translation>
    </message>
    <message>
        <source>⚠ No. {no} has waited {minutes} min</source>
        <translation>⚠ {no} 號已候診 {minutes} 分鐘</translation>
    </message>
    <message>
        <source>Go to the patient and explain the reason for the wait. You may offer a drink or priority for an examination. Tick what you did; it is recorded.</source>
        <translation>請到病患身旁說明候診原因，可為其提供飲水或優先安排檢查。請勾選您已做的事項，系統會留存紀錄。</translation>
    </message>
    <message>
        <source>Note (optional; needed for “Other”)</source>
        <translation>備註（選填；選擇「其他」時必填）</translation>
    </message>
    <message>
        <source>Tick at least one thing you did for the patient.</source>
        <translation>請至少勾選一項您為病患做的事。</translation>
    </message>
</context>
<context>
    <name>WaitingRoomDisplay</name>
    <message>
        <source>Waiting room</source>
        <translation>候診室</translation>
    </message>
    <message>
        <source>Now calling</source>
        <translation>現在叫號</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候診中</translation>
    </message>
    <message>
        <source>Please wait to be called</source>
        <translation>請耐心等候叫號</translation>
    </message>
    <message>
        <source>Please have your queue number ready. Thank you for waiting.</source>
        <translation>請準備好您的看診號碼。感謝您耐心等候。</translation>
    </message>
    <message numerus="yes">
        <source>and %n more waiting</source>
        <translation>
            <numerusform>另有 %n 人候診</numerusform>
        </translation>
    </message>
    <message>
        <source>Nobody is waiting</source>
        <translation>目前無人候診</translation>
    </message>
</context>
<context>
    <name>WaitlistAddDialog</name>
    <message>
        <source>Add to the waitlist</source>
        <translation>加入候補名單</translation>
    </message>
    <message>
        <source>The patient wants an earlier time. When a slot frees up (a cancellation, a doctor&apos;s absence) they are offered it, priority first, then who waited longest.</source>
        <translation>病患希望約到更早的時間。有時段空出時（如有人取消預約、醫師停診），先依優先順序、再依等候時間長短依序提供給候補病患。</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>姓名、拼音首字母、電話號碼或病歷號</translation>
    </message>
    <message>
        <source>Move earlier</source>
        <translation>要提前的預約</translation>
    </message>
    <message>
        <source>(no appointment: any free time)</source>
        <translation>（無現有預約：任何空檔皆可）</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>不限醫師</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>日期範圍</translation>
    </message>
    <message>
        <source>From</source>
        <translation>從</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Preferred times</source>
        <translation>希望時段</translation>
    </message>
    <message>
        <source>e.g. mornings, or after 15:00 on weekdays</source>
        <translation>例如 上午，或平日 15:00 以後</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>優先順序</translation>
    </message>
    <message>
        <source>Higher is offered first. Members with priority booking get at least {n} (A10).</source>
        <translation>數值越大越優先。享有優先預約權益的會員至少為 {n}（A10）。</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>請先選擇病患：搜尋後選取一位。</translation>
    </message>
</context>
<context>
    <name>WaitlistPanel</name>
    <message>
        <source>member</source>
        <translation>會員</translation>
    </message>
    <message>
        <source>Waitlist (ASAP list)</source>
        <translation>候補名單（希望提前就診）</translation>
    </message>
    <message>
        <source>Patients who want an earlier time. When a slot frees up, offer it to the first who fits: priority patients (members) first, then who waited longest.</source>
        <translation>希望約到更早時間的病患。有時段空出時，請提供給第一位符合條件的病患：優先順序高的病患（會員）優先，其次是等候最久的病患。</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>全部醫師</translation>
    </message>
    <message>
        <source>Add patient…</source>
        <translation>新增病患…</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移除…</translation>
    </message>
    <message>
        <source>Patient declined</source>
        <translation>病患婉拒</translation>
    </message>
    <message>
        <source>The patient said no to the slot offered; they keep waiting</source>
        <translation>病患不接受所提供的時段，繼續候補</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>日期範圍</translation>
    </message>
    <message>
        <source>Preferred times</source>
        <translation>希望時段</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>優先順序</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Holds</source>
        <translation>現有預約</translation>
    </message>
    <message>
        <source>Waiting since</source>
        <translation>加入候補時間</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>備註</translation>
    </message>
    <message>
        <source>Your role does not include appointments, so the waitlist is not shown.</source>
        <translation>您的角色不含預約權限，因此不顯示候補名單。</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候補中</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>已通知</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>已預約</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>已移除</translation>
    </message>
    <message>
        <source>from {day}</source>
        <translation>{day} 起</translation>
    </message>
    <message>
        <source>until {day}</source>
        <translation>至 {day}</translation>
    </message>
    <message>
        <source>any day</source>
        <translation>不限日期</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>不限醫師</translation>
    </message>
    <message>
        <source>Nobody is waiting for an earlier time.</source>
        <translation>目前沒有病患在候補。</translation>
    </message>
    <message>
        <source>Take off the waitlist</source>
        <translation>移出候補名單</translation>
    </message>
    <message>
        <source>Why is {patient} taken off the list? (e.g. not needed any more)</source>
        <translation>為什麼將{patient}移出名單？（例如：已不需要）</translation>
    </message>
</context>
<context>
    <name>WalkInDialog</name>
    <message>
        <source>Walk-in</source>
        <translation>現場掛號</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>姓名、拼音首字母、電話號碼或病歷號</translation>
    </message>
    <message>
        <source>New patient…</source>
        <translation>新病患建檔…</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>主訴</translation>
    </message>
    <message>
        <source>(choose the complaint)</source>
        <translation>（請選擇主訴）</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科別</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候診人數</translation>
    </message>
    <message>
        <source>Free now</source>
        <translation>目前有空</translation>
    </message>
    <message>
        <source>Suggested from the complaint and who is free; the best is chosen. “Any doctor”: the first free doctor calls the patient.</source>
        <translation>依主訴和醫師空檔情況推薦，已自動選取最合適的一位。「不限醫師」：由最先有空的醫師叫號。</translation>
    </message>
    <message>
        <source>Identity checked (real-name): the ID matches the patient</source>
        <translation>已核對身分（實名制）：證件與病患本人相符</translation>
    </message>
    <message>
        <source>Arrived at</source>
        <translation>到達時間</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>關閉</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>掛號</translation>
    </message>
    <message>
        <source>No patient chosen yet: search, or register a new one.</source>
        <translation>尚未選擇病患：請搜尋，或為新病患建檔。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>載入中…</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>不限醫師</translation>
    </message>
    <message>
        <source>Choose the patient first: search, or register a new patient.</source>
        <translation>請先選擇病患：搜尋，或為新病患建檔。</translation>
    </message>
    <message>
        <source>Check the patient&apos;s identity first (real-name), then tick the box.</source>
        <translation>請先核對病患身分（實名制），再勾選此項。</translation>
    </message>
    <message>
        <source>Queued. Please take a seat; {doctor} will call number {no}.</source>
        <translation>掛號完成。請就座候診，{doctor}會叫 {no} 號。</translation>
    </message>
    <message>
        <source>Queued. Please take a seat; the doctor will call number {no}.</source>
        <translation>掛號完成。請就座候診，醫師會叫 {no} 號。</translation>
    </message>
    <message>
        <source>No. {no}</source>
        <translation>{no} 號</translation>
    </message>
    <message>
        <source>Already in today&apos;s queue: number {no}.</source>
        <translation>已在今天的候診名單中：{no} 號。</translation>
    </message>
</context>
<context>
    <name>WeekEditor</name>
    <message>
        <source>Day</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Working hours</source>
        <translation>看診時段</translation>
    </message>
    <message>
        <source>Breaks</source>
        <translation>休息時間</translation>
    </message>
    <message>
        <source>Bookable</source>
        <translation>可預約時數</translation>
    </message>
    <message>
        <source>e.g. 08:00-12:00, 13:30-17:30</source>
        <translation>例如 08:00-12:00、13:30-17:30</translation>
    </message>
    <message>
        <source>e.g. 10:00-10:15</source>
        <translation>例如 10:00-10:15</translation>
    </message>
    <message>
        <source>{day}: “{text}” is not a span of time. Write the start and end joined by a dash, such as 08:00-12:00, and separate spans with commas.</source>
        <translation>{day}：「{text}」不是有效的時段。請用連字號連接開始和結束時間，例如 08:00-12:00；多個時段以逗號分隔。</translation>
    </message>
    <message>
        <source>{day}: {problem}</source>
        <translation>{day}有誤：{problem}</translation>
    </message>
</context>
<context>
    <name>Weekdays</name>
    <message>
        <source>Monday</source>
        <translation>週一</translation>
    </message>
    <message>
        <source>Tuesday</source>
        <translation>週二</translation>
    </message>
    <message>
        <source>Wednesday</source>
        <translation>週三</translation>
    </message>
    <message>
        <source>Thursday</source>
        <translation>週四</translation>
    </message>
    <message>
        <source>Friday</source>
        <translation>週五</translation>
    </message>
    <message>
        <source>Saturday</source>
        <translation>週六</translation>
    </message>
    <message>
        <source>Sunday</source>
        <translation>週日</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to ClinicDesk</source>
        <translation>歡迎使用 ClinicDesk</translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>這台電腦</translation>
    </message>
    <message>
        <source>Set up a new clinic</source>
        <translation>設定新診所</translation>
    </message>
    <message>
        <source>Join a clinic that already syncs</source>
        <translation>加入已啟用同步的診所</translation>
    </message>
    <message>
        <source>For another computer of a clinic whose first workstation already syncs: you need the hub address and a pairing code from that workstation (Settings → Sync → Add a workstation), and the director&apos;s user name and password.</source>
        <translation>適用於診所的其他電腦（診所的第一台工作站已啟用同步）：您需要同步伺服器位址、從該工作站取得的配對碼（「設定 → 同步 → 新增工作站」），以及院長的使用者名稱和密碼。</translation>
    </message>
    <message>
        <source>This assistant sets up ClinicDesk for your clinic on this computer. It takes about five minutes. You will need the clinic&apos;s name and address, a user name and password for the director, and a clinic passphrase. At the end you print the clinic&apos;s recovery kit, so have a printer ready or save it as a PDF.</source>
        <translation>本精靈將在這台電腦上為您的診所設定 ClinicDesk，大約需要五分鐘。您需要準備：診所名稱和地址、院長的使用者名稱和密碼，以及診所通關密語。最後需要列印診所的復原金鑰單，請準備好印表機，或將其另存為 PDF。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>語言</translation>
    </message>
    <message>
        <source>The translation files are missing, so the texts stay in English. Reinstall ClinicDesk to fix this.</source>
        <translation>缺少翻譯檔案，因此介面文字仍顯示為英文。請重新安裝 ClinicDesk 以解決此問題。</translation>
    </message>
</context>
<context>
    <name>WorklistPanel</name>
    <message>
        <source>&amp;Day</source>
        <translation>日期(&amp;D)</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Back to today&apos;s list (Ctrl+T)</source>
        <translation>返回今日回訪清單（Ctrl+T）</translation>
    </message>
    <message>
        <source>&amp;Calls for</source>
        <translation>回訪人(&amp;C)</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>我的</translation>
    </message>
    <message>
        <source>My role</source>
        <translation>我的角色</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>所有人</translation>
    </message>
    <message>
        <source>&amp;Kind</source>
        <translation>類別(&amp;K)</translation>
    </message>
    <message>
        <source>Also calls to try again later</source>
        <translation>包括稍後重撥的回訪</translation>
    </message>
    <message>
        <source>Show the calls that were not answered and wait for their next try</source>
        <translation>顯示無人接聽、等待下次重撥的回訪</translation>
    </message>
    <message>
        <source>Call…</source>
        <translation>回訪…</translation>
    </message>
    <message>
        <source>Open the call for the selected patient (Enter)</source>
        <translation>為所選病患開啟回訪（Enter）</translation>
    </message>
    <message>
        <source>Add a follow-up…</source>
        <translation>新增回訪…</translation>
    </message>
    <message>
        <source>A call or message for a patient, by hand (Ctrl+N)</source>
        <translation>手動為病患新增電話或訊息（Ctrl+N）</translation>
    </message>
    <message>
        <source>Reassign…</source>
        <translation>轉派…</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>結束…</translation>
    </message>
    <message>
        <source>End the task without a call, with the reason</source>
        <translation>不回訪直接結束任務，並填寫原因</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>What</source>
        <translation>內容</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>管道</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>回訪人</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>嘗試次數</translation>
    </message>
    <message>
        <source>All kinds ({n})</source>
        <translation>全部類別（{n}）</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在載入…</translation>
    </message>
    <message>
        <source>Nothing to call on {day}.</source>
        <translation>{day} 沒有需要回訪的病患。</translation>
    </message>
    <message numerus="yes">
        <source>%n call(s) or message(s) on {day}</source>
        <translation>
            <numerusform>{day} 共 %n 筆回訪或訊息</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n overdue</source>
        <translation>
            <numerusform>%n 筆已逾期</numerusform>
        </translation>
    </message>
    <message>
        <source>{n} shown</source>
        <translation>顯示 {n} 筆</translation>
    </message>
</context>
</TS>
